// SPDX-License-Identifier: AGPL-3.0-or-later
// The proving worker of @webfunctions/client (a module worker; `zk-prover.js` starts it).
//
// It instantiates the WebAssembly once, fetches each proving key once by URL and keeps it in
// the Cache API (so a reload or another page of the origin does not download it again), loads
// it pinned to the digest the page trusts (a key whose bytes do not match is refused and
// dropped from the cache), keeps loaded keys in memory, and proves off the main thread.
// Where the page is cross-origin isolated and the threaded build is shipped (`../threads/`),
// it proves on a pool of navigator.hardwareConcurrency threads; elsewhere on one thread.
//
// Messages in: {id, type: 'prove', keyUrl, keyDigest, request} or {id, type: 'load', keyUrl,
// keyDigest}; out: {id, result, timings} or {id, error}.

const CACHE = 'webfn-zk-keys-v1';

async function singleThreaded() {
  const single = await import('./webfn_pkg.js');
  await single.default();
  return { bindings: single, threads: 1 };
}

let runtime = (async () => {
  if (self.crossOriginIsolated) {
    try {
      const threads = await import('../threads/webfn_pkg.js');
      await threads.default();
      await threads.initThreadPool(navigator.hardwareConcurrency || 2);
      return { bindings: threads, threads: navigator.hardwareConcurrency || 2 };
    } catch (error) {
      // no threaded build shipped, or no SharedArrayBuffer after all: one thread
      console.warn('webfn zk worker: threads unavailable, proving on one thread:', error);
    }
  }
  return singleThreaded();
})();

/** digest -> Promise<ZkProvingKey> */
const keys = new Map();

async function fetchKey(url) {
  const cache = self.caches ? await self.caches.open(CACHE) : undefined;
  const cached = cache && (await cache.match(url));
  if (cached) return { bytes: new Uint8Array(await cached.arrayBuffer()), cache, fromCache: true };
  const response = await fetch(url);
  if (!response.ok) throw Error(`fetching the proving key ${url}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.clone().arrayBuffer());
  if (cache) await cache.put(url, response);
  return { bytes, cache, fromCache: false };
}

async function loadKey(url, digest, timings) {
  const { bindings } = await runtime;
  let started = performance.now();
  let { bytes, cache, fromCache } = await fetchKey(url);
  timings.fetchMs = performance.now() - started;
  timings.keyFromCache = fromCache;
  started = performance.now();
  try {
    const key = bindings.ZkProvingKey.load(bytes, digest);
    timings.loadMs = performance.now() - started;
    return key;
  } catch (error) {
    // a stale or corrupted cached copy: drop it and fetch again, once
    if (!fromCache) throw error;
    await cache.delete(url);
    ({ bytes } = await fetchKey(url));
    const key = bindings.ZkProvingKey.load(bytes, digest);
    timings.loadMs = performance.now() - started;
    return key;
  }
}

function key(url, digest, timings) {
  if (!keys.has(digest)) {
    const loading = loadKey(url, digest, timings);
    keys.set(digest, loading);
    loading.catch(() => keys.delete(digest));
  }
  return keys.get(digest);
}

self.onmessage = async ({ data }) => {
  const { id, type, keyUrl, keyDigest, request } = data;
  const timings = {};
  try {
    const started = performance.now();
    const { threads } = await runtime;
    timings.threads = threads;
    const provingKey = await key(keyUrl, keyDigest, timings);
    timings.readyMs = performance.now() - started;
    let result = null;
    if (type === 'prove') {
      const proving = performance.now();
      try {
        result = provingKey.prove(request);
      } catch (error) {
        if (threads === 1) throw error;
        // the threaded build failed (a panic leaves its instance unusable): one thread from now on
        console.warn('webfn zk worker: threaded proving failed, proving on one thread:', error);
        runtime = singleThreaded();
        keys.clear();
        timings.threads = 1;
        timings.threadsFailed = String(error?.message ?? error);
        result = (await key(keyUrl, keyDigest, timings)).prove(request);
      }
      timings.proveMs = performance.now() - proving;
    } else if (type !== 'load') {
      throw Error(`unknown message type ${type}`);
    }
    self.postMessage({ id, result, timings });
  } catch (error) {
    self.postMessage({ id, error: String(error?.message ?? error) });
  }
};
