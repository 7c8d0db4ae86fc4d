// SPDX-License-Identifier: AGPL-3.0-or-later
// Our side of the ZK benchmarks in Node.js: the package's WebAssembly (one thread) proving and
// verifying with keys written by `webfn zk setup`, JSON out (scripts/bench-zk.sh).
//
//   node circuits/bench/webfn-node.mjs KEYS_DIR [RUNS]

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { zk } from '../../pkg/dist/node/index.mjs';

const [dir, runs = '5'] = process.argv.slice(2);
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const digests = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8'));
const bytes = readFileSync(join(dir, 'proving.key'));
const verifyingKey = readFileSync(join(dir, 'verifying.key'));
let started = performance.now();
const key = zk.ProvingKey.load(bytes, digests.provingKey);
const loadMs = performance.now() - started;

// a member among 1,000 (the tree is built from the group in every proof, as webfn zk prove does)
const me = zk.createIdentity();
const group = Array.from({ length: 999 }, () => zk.createIdentity().commitment);
group.splice(500, 0, me.commitment);
const request = { secret: me.secret, group, scope: '2026', message: '123456789' };

const proveMs = [];
let credential;
for (let i = 0; i < Number(runs); i++) {
  started = performance.now();
  credential = key.prove(request);
  proveMs.push(performance.now() - started);
}
const verifyMs = [];
for (let i = 0; i < Number(runs); i++) {
  started = performance.now();
  if (!zk.verify(verifyingKey, credential)) throw Error('proof does not verify');
  verifyMs.push(performance.now() - started);
}
console.log(JSON.stringify({
  loadMs, proveMs: median(proveMs), verifyMs: median(verifyMs), runs: proveMs,
  provingKeyBytes: statSync(join(dir, 'proving.key')).size,
}));
