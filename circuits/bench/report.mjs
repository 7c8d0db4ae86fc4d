// SPDX-License-Identifier: AGPL-3.0-or-later
// Prints the table of scripts/bench-zk.sh from the JSON files it wrote into DIR.
//
//   node circuits/bench/report.mjs DIR

import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

const dir = process.argv[2];
const read = (name) => (existsSync(join(dir, name)) ? JSON.parse(readFileSync(join(dir, name), 'utf8')) : undefined);
const native = read('native.json') ?? {};
const nodeWasm = read('webfn-node.json');
const snark = read('snarkjs-node.json');
const browser = read('browser.json');

const ms = (value) => {
  if (value === undefined) return 'n/a';
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  return value >= 10 ? `${value.toFixed(0)} ms` : `${value.toFixed(2)} ms`;
};
const ratio = (ours, theirs) => (ours && theirs ? `${(theirs / ours).toFixed(2)}×` : '');
const bytes = (n) => (n === undefined ? 'n/a' : `${n.toLocaleString('en')} B (${(n / 2 ** 20).toFixed(2)} MiB)`);

const rows = [
  ['constraints', '5,320 (pinned by the crate\'s tests)', snark ? snark.constraints.toLocaleString('en') : 'n/a', ''],
  ['proving key', bytes(nodeWasm?.provingKeyBytes), bytes(snark?.provingKeyBytes), ''],
  ['prove, native, 1 thread (criterion) vs snarkjs node, 1 thread', ms(native.prove), ms(snark?.single.proveMs), ratio(native.prove, snark?.single.proveMs)],
  ['prove, native, 2 threads (criterion, `parallel`) vs snarkjs node, threads', ms(native.proveParallel), ms(snark?.threads.proveMs), ratio(native.proveParallel, snark?.threads.proveMs)],
  ['verify, native (criterion) vs snarkjs node', ms(native.verify), ms(snark?.single.verifyMs), ratio(native.verify, snark?.single.verifyMs)],
  ['prove, WebAssembly in node, 1 thread vs snarkjs node, 1 thread', ms(nodeWasm?.proveMs), ms(snark?.single.proveMs), ratio(nodeWasm?.proveMs, snark?.single.proveMs)],
  ['prove, WebAssembly in node, 1 thread vs snarkjs node, threads', ms(nodeWasm?.proveMs), ms(snark?.threads.proveMs), ratio(nodeWasm?.proveMs, snark?.threads.proveMs)],
  ['verify, WebAssembly in node vs snarkjs node', ms(nodeWasm?.verifyMs), ms(snark?.single.verifyMs), ratio(nodeWasm?.verifyMs, snark?.single.verifyMs)],
  ['load the proving key, WebAssembly in node (pinned digest)', ms(nodeWasm?.loadMs), '', ''],
];
if (browser) {
  const { single, threads } = browser.webfn;
  rows.push(
    ['prove, Chromium, worker, 1 thread (warm) vs snarkjs Chromium, 1 thread', ms(single.warmMs), ms(browser.snarkjs.single.proveMs), ratio(single.warmMs, browser.snarkjs.single.proveMs)],
    [`prove, Chromium, worker, isolated page (${threads.threads} thread${threads.threads > 1 ? 's' : ''}, warm) vs snarkjs Chromium, threads`, ms(threads.warmMs), ms(browser.snarkjs.threads.proveMs), ratio(threads.warmMs, browser.snarkjs.threads.proveMs)],
    ['first proof of a page in Chromium (key from the Cache API, wasm + key load included)', ms(single.firstMs), '', `${(single.firstMs / single.warmMs).toFixed(2)}× a warm proof`],
    ['first proof with an empty cache (key downloaded from 127.0.0.1)', ms(single.coldMs), '', ''],
    ['verify, snarkjs in Chromium', '', ms(browser.snarkjs.single.verifyMs), ''],
  );
}

console.log(`ZK credentials benchmarks: medians; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; snarkjs on BLS12-381 (groth16, circom --O2)\n`);
console.log('| figure | webfn | circom + snarkjs | webfn is |');
console.log('| --- | --- | --- | --- |');
for (const [name, ours, theirs, r] of rows) console.log(`| ${name} | ${ours} | ${theirs} | ${r ? (r.endsWith('×') ? `${r} as fast` : r) : ''} |`);
