// SPDX-License-Identifier: AGPL-3.0-or-later
// Functions the browser tests and benchmarks call through page.evaluate.
import { ZkProver } from '../pkg/dist/web/zk-prover.js';

/**
 * Proves each request in the package's worker, with a new worker (a fresh page's first
 * proof: key from the Cache API or the network, WebAssembly loaded) then warm ones.
 */
window.webfnProve = async ({ keyUrl, keyDigest, requests }) => {
  const prover = new ZkProver({ keyUrl, keyDigest });
  const results = [];
  try {
    for (const request of requests) {
      const started = performance.now();
      const credential = await prover.prove(request);
      results.push({ credential, timings: prover.timings, wallMs: performance.now() - started });
    }
  } finally {
    prover.terminate();
  }
  return { crossOriginIsolated: self.crossOriginIsolated, results };
};

/** Drops the cached proving keys. */
window.webfnClearKeyCache = async () => {
  for (const name of await caches.keys()) await caches.delete(name);
};

/** snarkjs groth16 fullProve (witness and proof) `runs` times, then verifies the last proof. */
window.snarkjsProve = async ({ wasmUrl, zkeyUrl, vkUrl, input, runs, singleThread }) => {
  const { snarkjs } = window;
  const proveMs = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    last = await snarkjs.groth16.fullProve(input, wasmUrl, zkeyUrl, undefined, undefined, { singleThread });
    proveMs.push(performance.now() - started);
  }
  const vk = await (await fetch(vkUrl)).json();
  const started = performance.now();
  const valid = await snarkjs.groth16.verify(vk, last.publicSignals, last.proof);
  return { proveMs, verifyMs: performance.now() - started, valid, crossOriginIsolated: self.crossOriginIsolated };
};

window.pageReady = true;
