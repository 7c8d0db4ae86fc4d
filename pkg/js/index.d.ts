// SPDX-License-Identifier: AGPL-3.0-or-later
// Types of @webfunctions/client: the generated declarations (the Client class and the types
// NetworkId, Payment, SignedLegacy, ..., ZkProvingKey and the Zk* shapes) with Client as the
// default export, the `zk` namespace object, and `prepareCall` for gated and paid calls.
import type {
  CallRequest, GatedCall, PrepareCallOptions, Quote, ZkCredentialProof, ZkField, ZkIdentity,
  ZkProveRequest, ZkProvingKey,
} from './webfn_pkg.js';
export * from './webfn_pkg.js';
export { Client as default } from './webfn_pkg.js';

/** What `zk.prove` reads: a proving key (loaded, or the bytes of proving.key) and the request. */
export interface ZkProveArgs extends ZkProveRequest {
  /** A loaded key, or the bytes of a proving.key written by `webfn zk setup`. */
  readonly provingKey: ZkProvingKey | Uint8Array;
  /** With bytes: the key's digest `sha256:…` (from keys.json); the points are then not checked again. */
  readonly provingKeyDigest?: string;
}

/** Zero-knowledge credentials, with the JSON shapes of `webfn zk identity | prove | verify`. */
export declare const zk: {
  /** A new identity from the platform's cryptographic randomness. */
  createIdentity(): ZkIdentity;
  /** The identity (commitment) of a known secret. */
  identity(secret: ZkField): ZkIdentity;
  /** Loads a proving key once to prove many times. */
  readonly ProvingKey: typeof ZkProvingKey;
  /** Proves membership in `group` for `scope` and `message`. */
  prove(args: ZkProveArgs): ZkCredentialProof;
  /** `true` if the proof verifies under `verifyingKey` (bytes of verifying.key); throws for malformed input. */
  verify(verifyingKey: Uint8Array, credential: ZkCredentialProof): boolean;
};

/**
 * The body of `POST /v1/calls` for `quote` (the relay's answer to `POST /v1/quotes`): checks
 * that the quoted HPKE key is signed by the quoted provider, seals `options.secrets` to it,
 * signs the payment to it (`options.payer`; needed when the quote has a price) with the job id
 * as memo, and proves membership bound to this very call (`options.member`; needed when the
 * function is gated) with `options.member.provingKey`. Throws a `GateError` (its `code` is
 * `bad_request`, `bad_signature`, `payment_required` or `unauthorized`).
 */
export declare function prepareCall(
  quote: Quote, request: CallRequest, options?: PrepareCallOptions,
): GatedCall;
