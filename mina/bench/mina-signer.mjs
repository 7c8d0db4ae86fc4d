// SPDX-License-Identifier: AGPL-3.0-or-later
//
// Benchmark of mina-signer@4.0.0 (the reference JS implementation), and a
// reusable suite to run the identical workload against another
// implementation (e.g. our WebAssembly package).
//
// Operations (testnet): signPayment, verifyPayment, signMessage (~100-byte
// message), verifyMessage, signFields (4 fields), verifyFields. For each op:
// warm up, pick a batch size N so one batch takes >= batchSeconds, run
// `batches` timed batches and report the MEDIAN ops/sec over the batches.
//
// Run directly (benches mina-signer only, JSON result on stdout, progress on
// stderr):
//   node mina/bench/mina-signer.mjs           # 10 batches of >= 0.5 s per op
//   node mina/bench/mina-signer.mjs --quick   # short smoke run
//
// Use as a module:
//   import { benchSuite } from './mina-signer.mjs';
//   const report = await benchSuite('my-impl@1.0.0', impl);
// where `impl` has the methods of mina-signer's Client:
//   signPayment(payment, sk), verifyPayment(signed), signMessage(msg, sk),
//   verifyMessage(signed), signFields(fields, sk), verifyFields(signed)
// (sync or async). Fields are passed as bigints, or as decimal strings if
// `impl.fieldsAsStrings === true`. The impl must be set up for testnet.

import Client from 'mina-signer';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

// Fixed inputs (keys are "random-00" / "random-01" of mina/vectors).
export const BENCH_PRIVATE_KEY = 'EKFN6z8cFXVRk5PvPnmMEBAfNAR7oSa4YRTiTTh4xqrQwA6tNLVM';
export const BENCH_PUBLIC_KEY = 'B62qkJdzhiPestmtQ5TVoAVSppHxnC9QsbhPSEWudGYDTWPYeD1kBb3';
export const BENCH_RECEIVER = 'B62qqVoorVUkxnh7E4xiTjQg2HruZNuqVqCC7tB7AjtekEcWxwDpJwW';
export const BENCH_NETWORK = 'testnet';

export const BENCH_PAYMENT = Object.freeze({
  to: BENCH_RECEIVER,
  from: BENCH_PUBLIC_KEY,
  amount: '1000000000',
  fee: '10000000',
  nonce: '42',
  validUntil: '4294967295',
  memo: 'WebFunctions bench',
});

// 98 bytes of ASCII.
export const BENCH_MESSAGE =
  'WebFunctions bench: the quick brown fox jumps over the lazy dog; 0123456789 ABCDEFGHIJ abcdefghij!';

export const BENCH_FIELDS = Object.freeze([
  1n,
  0x1234567890abcdefn,
  0x2bcd0123456789abcdef0123456789abcdef0123456789abcdef0123456789abn,
  0x40000000000000000000000000000000224698fc094cf91b992d30ed00000000n, // p - 1
]);

const DEFAULTS = { batches: 10, batchSeconds: 0.5, warmupSeconds: 0.5, log: (s) => process.stderr.write(s + '\n') };

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Time `fn` (sync or async): warm up, calibrate N, run `batches` batches of N.
 * Returns { opsPerSec (median), samples (ops/sec per batch), batchSize }.
 */
async function timeOp(fn, { batches, batchSeconds, warmupSeconds }) {
  let sink; // keep results observable so nothing is optimised away
  const isAsync = fn() instanceof Promise;
  const runBatch = isAsync
    ? async (n) => {
        const t0 = performance.now();
        for (let i = 0; i < n; i++) sink = await fn();
        return (performance.now() - t0) / 1000;
      }
    : async (n) => {
        const t0 = performance.now();
        for (let i = 0; i < n; i++) sink = fn();
        return (performance.now() - t0) / 1000;
      };

  // Warm-up, doubling the batch until warmupSeconds have been spent; the last
  // (largest) warm-up batch gives the per-op estimate used to pick N.
  let n = 1;
  let spent = 0;
  let perOp = Infinity;
  for (;;) {
    const t = await runBatch(n);
    spent += t;
    perOp = t / n;
    if (spent >= warmupSeconds) break;
    n *= 2;
  }
  let batchSize = Math.max(1, Math.ceil((batchSeconds * 1.05) / perOp));

  const samples = [];
  for (let b = 0; b < batches; b++) {
    const t = await runBatch(batchSize);
    samples.push(batchSize / t);
    // If the op got faster than estimated, grow N so batches stay >= batchSeconds.
    if (t < batchSeconds) batchSize = Math.ceil((batchSize * batchSeconds * 1.05) / t);
  }
  void sink;
  return { opsPerSec: median(samples), samples, batchSize };
}

const round1 = (x) => Math.round(x * 10) / 10;

/**
 * Run the benchmark suite against `impl`; see the header comment.
 * @param {string} label  reported as `implementation`
 * @param {object} impl   object with mina-signer Client's method names
 * @param {object} [options] { batches, batchSeconds, warmupSeconds, log, only: [opNames] }
 */
export async function benchSuite(label, impl, options = {}) {
  const opts = { ...DEFAULTS, ...options };
  const sk = BENCH_PRIVATE_KEY;
  const fields = impl.fieldsAsStrings ? BENCH_FIELDS.map(String) : [...BENCH_FIELDS];

  // Produce one signed object of each kind (from the impl itself) for the
  // verify benchmarks, and make sure they actually verify.
  const signedPayment = await impl.signPayment({ ...BENCH_PAYMENT }, sk);
  const signedMessage = await impl.signMessage(BENCH_MESSAGE, sk);
  const signedFields = await impl.signFields(fields, sk);
  for (const [what, ok] of [
    ['verifyPayment', await impl.verifyPayment(signedPayment)],
    ['verifyMessage', await impl.verifyMessage(signedMessage)],
    ['verifyFields', await impl.verifyFields(signedFields)],
  ]) {
    if (ok !== true) throw Error(`${label}: ${what} rejected the impl's own signature`);
  }

  const ops = {
    signPayment: () => impl.signPayment({ ...BENCH_PAYMENT }, sk),
    verifyPayment: () => impl.verifyPayment(signedPayment),
    signMessage: () => impl.signMessage(BENCH_MESSAGE, sk),
    verifyMessage: () => impl.verifyMessage(signedMessage),
    signFields: () => impl.signFields(fields, sk),
    verifyFields: () => impl.verifyFields(signedFields),
  };

  const results = {};
  for (const [name, fn] of Object.entries(ops)) {
    if (opts.only && !opts.only.includes(name)) continue;
    const r = await timeOp(fn, opts);
    results[name] = { opsPerSec: round1(r.opsPerSec), samples: r.samples.map(round1) };
    opts.log?.(`${label} ${name}: ${round1(r.opsPerSec)} ops/s (median of ${r.samples.length}, N=${r.batchSize})`);
  }
  return { implementation: label, node: process.version, results };
}

/** mina-signer itself as an `impl` (a Client already has the right methods). */
export function minaSignerImpl(network = BENCH_NETWORK) {
  return new Client({ network });
}

// --- direct run ---------------------------------------------------------------
const isMain =
  process.argv[1] !== undefined &&
  realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));

if (isMain) {
  const quick = process.argv.includes('--quick');
  const options = quick ? { batches: 3, batchSeconds: 0.1, warmupSeconds: 0.1 } : {};
  const report = await benchSuite('mina-signer@4.0.0', minaSignerImpl(), options);
  console.log(JSON.stringify(report, null, 2));
}
