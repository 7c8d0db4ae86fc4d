// SPDX-License-Identifier: AGPL-3.0-or-later
// The ZK benchmarks in headless Chromium (scripts/bench-zk.sh): our package's worker on a
// plain page (one thread) and on a cross-origin isolated one (threads, when the threaded build
// is shipped), and snarkjs's browser build on the same machine, JSON out.
//
//   node circuits/bench/browser.mjs KEYS_DIR SNARKJS_DIR [RUNS]
//
// For our worker: `coldMs` is a first proof with an empty cache (key downloaded), `firstMs`
// the first proof of a new worker with the key in the Cache API (WebAssembly instantiated,
// key read and loaded, proof), `warmMs` the median of the next RUNS proofs.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { zk } from '../../pkg/dist/node/index.mjs';
import { launch } from '../../e2e/browser.mjs';
import { startServer } from '../../e2e/server.mjs';

const [keysDir, snarkjsDir, runsText = '5'] = process.argv.slice(2);
const runs = Number(runsText);
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const digests = JSON.parse(readFileSync(join(keysDir, 'keys.json'), 'utf8'));
const me = zk.createIdentity();
const group = Array.from({ length: 999 }, () => zk.createIdentity().commitment);
group.splice(500, 0, me.commitment);
const request = { secret: me.secret, group, scope: '2026', message: '123456789' };

const server = await startServer({ keys: keysDir, bench: snarkjsDir });
const browser = await launch();
const out = { webfn: {}, snarkjs: {} };
try {
  for (const [mode, prefix] of [['single', ''], ['threads', 'coi/']]) {
    const page = await browser.page(`${server.url}${prefix}e2e/page.html`);
    const args = { keyUrl: `${server.url}${prefix}keys/proving.key`, keyDigest: digests.provingKey };
    await page.evaluate(() => window.webfnClearKeyCache());
    const cold = await page.evaluate((a) => window.webfnProve(a), { ...args, requests: [request] });
    const warm = await page.evaluate((a) => window.webfnProve(a), { ...args, requests: Array(runs + 1).fill(request) });
    const [first, ...rest] = warm.results;
    out.webfn[mode] = {
      threads: first.timings.threads,
      crossOriginIsolated: warm.crossOriginIsolated,
      coldMs: cold.results[0].wallMs,
      firstMs: first.wallMs,
      firstLoadMs: first.timings.readyMs,
      warmMs: median(rest.map((r) => r.wallMs)),
      runs: rest.map((r) => r.wallMs),
    };
    await page.close();
  }
  const page = await browser.page(`${server.url}e2e/page.html`);
  const input = JSON.parse(readFileSync(join(snarkjsDir, 'input.json'), 'utf8'));
  for (const singleThread of [true, false]) {
    const result = await page.evaluate((a) => window.snarkjsProve(a), {
      wasmUrl: `${server.url}bench/credential_js/credential.wasm`,
      zkeyUrl: `${server.url}bench/credential.zkey`,
      vkUrl: `${server.url}bench/vk.json`,
      input, runs, singleThread,
    });
    if (!result.valid) throw Error('snarkjs proof made in Chromium does not verify');
    out.snarkjs[singleThread ? 'single' : 'threads'] = {
      proveMs: median(result.proveMs), verifyMs: result.verifyMs, runs: result.proveMs,
    };
  }
  await page.close();
} finally {
  await browser.close();
  await server.close();
}
console.log(JSON.stringify(out));
