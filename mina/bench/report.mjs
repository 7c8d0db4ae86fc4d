// SPDX-License-Identifier: AGPL-3.0-or-later
//
// Merges one run of the Mina signature benchmarks into the table of docs/benchmarks.md:
// mina-signer and our WebAssembly package (from `node pkg/bench/node.mjs --json FILE`) and our
// native code (criterion's medians under target/criterion/mina/<operation>/new/).
//
//   node mina/bench/report.mjs NODE_JSON [CRITERION_DIR]
//
// scripts/bench-mina.sh runs all three and then this.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [nodeJson, criterionDir = 'target/criterion'] = process.argv.slice(2);
if (!nodeJson) throw Error('usage: node mina/bench/report.mjs NODE_JSON [CRITERION_DIR]');
const node = JSON.parse(readFileSync(nodeJson, 'utf8'));

function nativeOpsPerSec(operation) {
  const file = path.join(criterionDir, 'mina', operation, 'new', 'estimates.json');
  const estimates = JSON.parse(readFileSync(file, 'utf8'));
  return 1e9 / estimates.median.point_estimate;
}

const format = (x) => Math.round(x).toLocaleString('en-US');
const lines = [
  '| operation | mina-signer 4.0.0 (node) | webfn WebAssembly (node) | × | webfn native | × |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
];
for (const row of node.rows) {
  const native = nativeOpsPerSec(row.operation);
  lines.push(
    `| ${row.operation} | ${format(row.minaSigner)} | ${format(row.webfn)} | ${(row.webfn / row.minaSigner).toFixed(1)}× ` +
      `| ${format(native)} | ${(native / row.minaSigner).toFixed(1)}× |`,
  );
}
console.log(lines.join('\n'));
const m = node.machine;
console.log(`\nMedian operations per second; ${m.cpu}, ${m.cores} cores, ${m.platform}, Node.js ${m.node}.`);
