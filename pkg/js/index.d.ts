// SPDX-License-Identifier: AGPL-3.0-or-later
// Types of @webfunctions/client: the generated declarations (the Client class and the types
// NetworkId, Payment, SignedLegacy, ..., ZkProvingKey and the Zk* shapes) with Client as the
// default export, and the `zk` namespace object.
import type {
  ZkCredentialProof, ZkField, ZkIdentity, ZkProveRequest, ZkProvingKey,
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
