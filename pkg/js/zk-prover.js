// SPDX-License-Identifier: AGPL-3.0-or-later
// Proving off the main thread: a Web Worker (`zk-worker.js`) that loads the WebAssembly,
// fetches the proving key once (Cache API) and proves; multi-threaded where the page is
// cross-origin isolated (COOP/COEP) and the threaded build is shipped.
//
//   import { ZkProver } from '@webfunctions/client/zk-prover';
//   const prover = new ZkProver({ keyUrl: '/keys/proving.key', keyDigest: 'sha256:…' });
//   await prover.load();                       // optional: fetch and load the key early
//   const { proof, publicInputs } = await prover.prove({ secret, group, scope, message });

export class ZkProver {
  #worker;
  #pending = new Map();
  #next = 0;
  #key;

  /**
   * @param {{keyUrl: string | URL, keyDigest: string, workerUrl?: string | URL}} options
   *   `keyDigest` is the `sha256:…` of the proving key from a source the page trusts.
   */
  constructor({ keyUrl, keyDigest, workerUrl = new URL('./zk-worker.js', import.meta.url) }) {
    this.#key = { keyUrl: new URL(keyUrl, globalThis.location?.href).href, keyDigest };
    this.#worker = new Worker(workerUrl, { type: 'module' });
    this.#worker.onmessage = ({ data }) => {
      const pending = this.#pending.get(data.id);
      if (!pending) return;
      this.#pending.delete(data.id);
      if ('error' in data) pending.reject(Error(data.error));
      else pending.resolve(data);
    };
    this.#worker.onerror = (event) => {
      const error = Error(`zk worker failed: ${event.message ?? 'unknown error'}`);
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    };
    /** Timings of the last call: threads, fetchMs, keyFromCache, loadMs, readyMs, proveMs. */
    this.timings = undefined;
  }

  #call(message) {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, ...this.#key, ...message });
    }).then((data) => {
      this.timings = data.timings;
      return data.result;
    });
  }

  /** Fetches (or takes from the cache) and loads the proving key. */
  load() {
    return this.#call({ type: 'load' });
  }

  /** `{secret, group, scope, message}` → `{proof, publicInputs}`, as `zk.prove`. */
  prove(request) {
    return this.#call({ type: 'prove', request });
  }

  terminate() {
    this.#worker.terminate();
  }
}
