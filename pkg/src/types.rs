//! The TypeScript types of the package: mina-signer's input and output shapes, which the
//! generated `Client` declaration refers to by name.

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
"#;
