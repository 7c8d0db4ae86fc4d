// SPDX-License-Identifier: AGPL-3.0-or-later
//
// Benchmark of @webfunctions/client (WebAssembly, pkg/dist/node) against mina-signer@4.0.0,
// in one Node.js process, with the identical suite of mina/bench/mina-signer.mjs (testnet:
// signPayment, verifyPayment, signMessage, verifyMessage, signFields, verifyFields; median
// ops/s over timed batches). Operations alternate between the two implementations so that
// a drift of the machine's speed affects both alike.
//
//   cargo xtask pkg --target node
//   node pkg/bench/node.mjs [--quick] [--json FILE]
//
// Prints a markdown table (operation | mina-signer ops/s | webfn wasm ops/s | speedup) and
// the machine; progress goes to stderr; --json FILE writes all samples.

import { writeFileSync } from 'node:fs';
import os from 'node:os';

import {
  BENCH_NETWORK,
  benchSuite,
  minaSignerImpl,
} from '../../mina/bench/mina-signer.mjs';
import Client from '../dist/node/index.mjs';

const OPERATIONS = [
  'signPayment',
  'verifyPayment',
  'signMessage',
  'verifyMessage',
  'signFields',
  'verifyFields',
];

function parseArgs(argv) {
  const args = { quick: false, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') args.quick = true;
    else if (argv[i] === '--json' && i + 1 < argv.length) args.json = argv[++i];
    else throw Error(`unknown argument ${argv[i]} (usage: node pkg/bench/node.mjs [--quick] [--json FILE])`);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const options = args.quick ? { batches: 3, batchSeconds: 0.1, warmupSeconds: 0.1 } : {};

const implementations = [
  { key: 'minaSigner', label: 'mina-signer@4.0.0', impl: minaSignerImpl(BENCH_NETWORK) },
  { key: 'webfn', label: '@webfunctions/client (wasm)', impl: new Client({ network: BENCH_NETWORK }) },
];

const results = { minaSigner: {}, webfn: {} };
for (const op of OPERATIONS) {
  for (const { key, label, impl } of implementations) {
    const report = await benchSuite(label, impl, { ...options, only: [op] });
    results[key][op] = report.results[op];
  }
}

const machine = {
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  platform: `${os.platform()} ${os.arch()}`,
};

const format = (x) => x.toLocaleString('en-US', { maximumFractionDigits: 1 });
const lines = [
  '| operation | mina-signer ops/s | webfn wasm ops/s | speedup |',
  '| --- | ---: | ---: | ---: |',
];
const rows = [];
for (const op of OPERATIONS) {
  const reference = results.minaSigner[op].opsPerSec;
  const ours = results.webfn[op].opsPerSec;
  const speedup = ours / reference;
  rows.push({ operation: op, minaSigner: reference, webfn: ours, speedup: Math.round(speedup * 100) / 100 });
  lines.push(`| ${op} | ${format(reference)} | ${format(ours)} | ${speedup.toFixed(2)}× |`);
}
console.log(lines.join('\n'));
console.log(
  `\nNode.js ${machine.node}, ${machine.cpu}, ${machine.cores} cores (${machine.platform}); ` +
    `median ops/s of ${options.batches ?? 10} batches per operation, testnet.`,
);

if (args.json) {
  const report = { machine, options: { quick: args.quick }, rows, samples: results };
  writeFileSync(args.json, JSON.stringify(report, null, 2) + '\n');
  console.error(`wrote ${args.json}`);
}
