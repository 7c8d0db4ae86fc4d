//! The TypeScript types of the package: mina-signer's input and output shapes, which the
//! generated `Client` declaration refers to by name, and those of credentials and gated calls.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** A network: `'mainnet'`, `'testnet'` (alias `'devnet'`), any other chain name, or `{ custom: name }`. */
export type NetworkId = 'mainnet' | 'testnet' | 'devnet' | (string & {}) | { custom: string };
/** Options of `new Client(...)`; like mina-signer, there is no default network. */
export interface ClientOptions { network: NetworkId }

/** An unsigned 32-bit integer: a number, a bigint or its text. */
export type UInt32 = number | bigint | string;
/** An unsigned 64-bit integer (nanomina for amounts and fees): a number, a bigint or its text. */
export type UInt64 = number | bigint | string;
/** An element of the Pallas base field (below p): a bigint, its text or a safe integer. */
export type Field = bigint | string | number;
/** A base58 public key, `B62…`. */
export type PublicKey = string;
/** A base58 private key, `EK…`. */
export type PrivateKey = string;

export interface Keypair { readonly privateKey: PrivateKey; readonly publicKey: PublicKey }

/** What payments and stake delegations have in common (the fee payer is `from`). */
export interface Common {
  readonly to: PublicKey;
  readonly from: PublicKey;
  readonly fee: UInt64;
  readonly nonce: UInt32;
  /** At most 32 UTF-8 bytes; `''` when omitted. */
  readonly memo?: string;
  /** Last valid global slot; 4294967295 when omitted. */
  readonly validUntil?: UInt32;
}
export type StakeDelegation = Common;
export type Payment = Common & { readonly amount: UInt64 };
export type SignableData = string | Payment | StakeDelegation;

/** The `data` of a signed stake delegation: every number as decimal text. */
export interface StakeDelegationJson {
  to: PublicKey;
  from: PublicKey;
  fee: string;
  nonce: string;
  memo: string;
  validUntil: string;
}
/** The `data` of a signed payment: every number as decimal text (`amount` as given). */
export interface PaymentJson {
  to: PublicKey;
  from: PublicKey;
  fee: string;
  amount: string;
  nonce: string;
  memo: string;
  validUntil: string;
}

/** A legacy Schnorr signature: r (`field`) and s (`scalar`) in decimal. */
export interface SignatureJson { field: string; scalar: string }
/** A signed message, payment or stake delegation. */
export interface SignedLegacy<T> { signature: SignatureJson; publicKey: PublicKey; data: T }
/** Signed field elements: the signature in base58. */
export interface Signed<T> { signature: string; publicKey: PublicKey; data: T }

/** `{ berkeley: true }` hashes the command as Mina does since the Berkeley upgrade. */
export interface HashOptions { berkeley?: boolean }

/** An element of the BLS12-381 scalar field: canonical decimal text (as written), a bigint or a safe integer. */
export type ZkField = string | bigint | number;
/** An identity: keep `secret`, give `commitment` to the group's owner. */
export interface ZkIdentity { secret: string; commitment: string }
/** What `prove` reads: the tree is built from `group` (commitments) in order. */
export interface ZkProveRequest {
  readonly secret: ZkField;
  readonly group: readonly ZkField[];
  readonly scope: ZkField;
  readonly message: ZkField;
}
/** The public inputs of a credential proof, as decimal strings. */
export interface ZkPublicInputs { root: string; nullifier: string; message: string; scope: string }
/** A credential proof: 192 bytes as 384 hex digits, with what it proves. */
export interface ZkCredentialProof { proof: string; publicInputs: ZkPublicInputs }

/** A stable error code of the protocol (`docs/protocol.md`, Error codes); codes are never renamed, new ones may be added. */
export type ErrorCode =
  | 'bad_request' | 'malformed_message' | 'unsupported_version' | 'too_large' | 'unknown_function'
  | 'invalid_bundle' | 'digest_mismatch' | 'bad_signature' | 'unauthorized' | 'no_provider'
  | 'unavailable' | 'provider_lost' | 'cpu_limit' | 'memory_limit' | 'timeout' | 'response_too_large'
  | 'guest_failed' | 'internal' | 'busy' | 'not_found' | 'bad_proof' | 'unknown_root'
  | 'nullifier_used' | 'payment_required' | 'payment_used' | 'quote_expired' | 'quote_used'
  | 'bad_secrets' | (string & {});
/** What `prepareCall` and `hpkeAnnounce` throw: the message starts with the code. */
export interface GateError extends Error { code: ErrorCode }

/** A provider's HPKE public key (64 hex digits, X25519) and its signature by the provider. */
export interface HpkeKey { public_key: string; signature: SignatureJson }
/** A function's access policy. */
export type AccessPolicy =
  | { kind: 'open' }
  | { kind: 'group'; group: string; quota: number; epoch_secs: number };
/** The relay's answer to `POST /v1/quotes`, as parsed from its JSON. */
export interface Quote {
  job_id: string;
  function: string;
  /** The chosen provider: the payment's receiver. */
  provider: PublicKey;
  hpke: HpkeKey;
  /** Nanomina the payment must carry at least (0: none needed). */
  price: number;
  /** The Mina network id the payment is signed for. */
  network: string;
  expires_at: number;
  access: AccessPolicy;
  /** Group policies: the epoch the credential names. */
  epoch?: number;
}
/** The HTTP request of a quoted call. */
export interface CallRequest {
  readonly method: string;
  /** Path and query inside the function, starting with `/`. */
  readonly path: string;
  /** `[name, value]` pairs in order; names are lowercased. */
  readonly headers?: readonly (readonly [string, string])[];
  /** Bytes, or text sent as UTF-8; empty when omitted. */
  readonly body?: Uint8Array | string;
}
/** Who pays a priced call: the payment goes to the quoted provider with the job id as memo. */
export interface CallPayer {
  readonly privateKey: PrivateKey;
  /** Nanomina. */
  readonly fee: UInt64;
  readonly nonce: UInt32;
  /** Nanomina; the quoted price when omitted. */
  readonly amount?: UInt64;
}
/** Who proves membership for a gated call. */
export interface CallMember {
  /** The identity's secret. */
  readonly secret: ZkField;
  /** The group's leaves in order (`"0"` for removed members), as `GET /v1/groups/{id}` lists them. */
  readonly group: readonly ZkField[];
  /** The credential proving key (`GET /v1/zk/proving-key`), loaded once and reused. */
  readonly provingKey: ZkProvingKey;
  /** The quota slot to spend, below the policy's quota. */
  readonly slot: number;
}
/** What a call carries besides its request. */
export interface PrepareCallOptions {
  /** Secrets sealed to the quoted provider: names of `a-z 0-9 -`, string values. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Needed when the quote has a price. */
  readonly payer?: CallPayer;
  /** Needed when the quote's access is a group. */
  readonly member?: CallMember;
}
/** Secrets sealed with HPKE to one provider for one job, both standard base64. */
export interface SealedSecrets { enc: string; ciphertext: string }
/** A credential proof for one call, with the epoch and quota slot its scope names. */
export interface Credential { epoch: number; slot: number; proof: ZkCredentialProof }
/** The body of `POST /v1/calls` (send it as `JSON.stringify(call)`). */
export interface GatedCall {
  job_id: string;
  function: string;
  /** The request, its body in standard base64. */
  request: { method: string; path: string; headers: [string, string][]; body: string };
  sealed?: SealedSecrets;
  payment?: SignedLegacy<PaymentJson>;
  credential?: Credential;
}
"#;
