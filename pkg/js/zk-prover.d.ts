// SPDX-License-Identifier: AGPL-3.0-or-later
import type { ZkCredentialProof, ZkProveRequest } from './webfn_pkg.js';

export interface ZkProverOptions {
  /** Where the proving.key is served; fetched once, then taken from the Cache API. */
  keyUrl: string | URL;
  /** `sha256:…` of the proving key, from a source the page trusts (keys.json). */
  keyDigest: string;
  /** The worker script (default: zk-worker.js next to this module). */
  workerUrl?: string | URL;
}

export interface ZkProverTimings {
  threads: number;
  fetchMs?: number;
  keyFromCache?: boolean;
  loadMs?: number;
  readyMs: number;
  proveMs?: number;
}

/** Proves in a Web Worker, multi-threaded where the page is cross-origin isolated. */
export declare class ZkProver {
  constructor(options: ZkProverOptions);
  /** Timings of the last call. */
  timings: ZkProverTimings | undefined;
  load(): Promise<null>;
  prove(request: ZkProveRequest): Promise<ZkCredentialProof>;
  terminate(): void;
}
