// SPDX-License-Identifier: AGPL-3.0-or-later
//
// Turns one run of scripts/bench-relay.sh into the tables of docs/benchmarks.md: the load
// generator's JSON lines (wasmtime serve and the relay, several rounds) and criterion's
// medians of relay/benches/engine.rs.
//
//   node relay/bench/report.mjs RESULTS_JSONL [CRITERION_DIR]
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [resultsFile, criterionDir = 'target/criterion'] = process.argv.slice(2);
if (!resultsFile) throw Error('usage: node relay/bench/report.mjs RESULTS_JSONL [CRITERION_DIR]');
const runs = readFileSync(resultsFile, 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const format = (x) => Math.round(x).toLocaleString('en-US');
const ms = (us) => (us / 1000).toFixed(2);

function summary(label, connections) {
  const of = runs.filter((r) => r.label === label && r.connections === connections);
  if (!of.length) throw Error(`no runs of ${label} at ${connections} connections`);
  return {
    rounds: of.length,
    rps: median(of.map((r) => r.rps)),
    p50: median(of.map((r) => r.p50_us)),
    p99: median(of.map((r) => r.p99_us)),
    errors: of.reduce((n, r) => n + r.errors, 0),
  };
}

const levels = [...new Set(runs.map((r) => r.connections))].sort((a, b) => a - b);
const lines = [
  '| connections | server | requests/s | p50 ms | p99 ms | errors | relay ÷ serve | p50 added |',
  '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
];
for (const c of levels) {
  const serve = summary('wasmtime serve', c);
  const relay = summary('webfn relay', c);
  lines.push(`| ${c} | wasmtime serve | ${format(serve.rps)} | ${ms(serve.p50)} | ${ms(serve.p99)} | ${serve.errors} | | |`);
  lines.push(
    `| ${c} | webfn relay → provider | ${format(relay.rps)} | ${ms(relay.p50)} | ${ms(relay.p99)} | ${relay.errors} ` +
      `| ${((100 * relay.rps) / serve.rps).toFixed(0)}% | ${ms(relay.p50 - serve.p50)} ms |`,
  );
}
console.log(lines.join('\n'));
console.log(`\nMedians of ${summary('webfn relay', levels[0]).rounds} rounds; ${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, ${os.platform()} ${os.arch()}.`);

function criterion(name) {
  const file = path.join(criterionDir, 'provider', name, 'new', 'estimates.json');
  return JSON.parse(readFileSync(file, 'utf8')).median.point_estimate; // nanoseconds
}
const warm = criterion('call_warm');
const throughput = criterion('throughput'); // nanoseconds per 1,000 calls
const cold = criterion('cold_start_cached');
console.log('\n| provider (in-process, criterion median) | figure | goal |');
console.log('| --- | ---: | --- |');
console.log(`| warm call (instantiate + call) | ${(warm / 1000).toFixed(1)} µs | < 100 µs |`);
console.log(`| calls per second, all cores | ${format(1000 / (throughput / 1e9))} | ≥ wasmtime serve's requests/s |`);
console.log(`| cold start from the artifact cache (load + first call) | ${(cold / 1e6).toFixed(2)} ms | < 5 ms |`);
