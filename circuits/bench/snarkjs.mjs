// SPDX-License-Identifier: AGPL-3.0-or-later
// The circom + snarkjs side of the ZK benchmarks (scripts/bench-zk.sh).
//
//   node circuits/bench/snarkjs.mjs setup DIR   # compile, powers of tau, Groth16 keys, input
//   node circuits/bench/snarkjs.mjs bench DIR [RUNS]   # prove and verify in node, JSON out
//
// setup writes into DIR (and skips what is there): credential.r1cs and credential_js/ (circom2,
// --O2, BLS12-381 prime), public_inputs_js/, pot13_*.ptau (a local powers-of-tau ceremony of
// one contribution, 2^13 > 5,294 constraints), credential.zkey (phase 2 with one contribution),
// vk.json, and input.json (a member at a random position of a depth-20 tree with random
// siblings, root and nullifier computed by circom's witness of public_inputs.circom).

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as snarkjs from 'snarkjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'node_modules', '.bin');
const CURVE = 'bls12381';
const POWER = 13;
/** The BLS12-381 scalar field. */
const R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
const DEPTH = 20;

function run(tool, args) {
  console.error(`$ ${tool} ${args.join(' ')}`);
  execFileSync(join(BIN, tool), args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

const randomField = () => BigInt(`0x${randomBytes(32).toString('hex')}`) % R;

async function setup(dir) {
  mkdirSync(dir, { recursive: true });
  const file = (name) => join(dir, name);
  for (const circuit of ['credential', 'public_inputs']) {
    if (!existsSync(file(`${circuit}_js/${circuit}.wasm`))) {
      run('circom2', [`circuits/bench/${circuit}.circom`, '--r1cs', '--wasm', '--O2', '--prime', CURVE,
        '-l', 'node_modules', '-o', dir]);
    }
  }
  const entropy = () => randomBytes(32).toString('hex');
  if (!existsSync(file(`pot${POWER}_final.ptau`))) {
    run('snarkjs', ['powersoftau', 'new', CURVE, String(POWER), file(`pot${POWER}_0.ptau`)]);
    run('snarkjs', ['powersoftau', 'contribute', file(`pot${POWER}_0.ptau`), file(`pot${POWER}_1.ptau`),
      '--name=bench', `-e=${entropy()}`]);
    run('snarkjs', ['powersoftau', 'prepare', 'phase2', file(`pot${POWER}_1.ptau`), file(`pot${POWER}_final.ptau`)]);
  }
  if (!existsSync(file('credential.zkey'))) {
    run('snarkjs', ['groth16', 'setup', file('credential.r1cs'), file(`pot${POWER}_final.ptau`), file('credential_0.zkey')]);
    run('snarkjs', ['zkey', 'contribute', file('credential_0.zkey'), file('credential.zkey'), '--name=bench', `-e=${entropy()}`]);
  }
  if (!existsSync(file('vk.json'))) {
    run('snarkjs', ['zkey', 'export', 'verificationkey', file('credential.zkey'), file('vk.json')]);
  }
  if (!existsSync(file('input.json'))) {
    const secret = randomField();
    const scope = 2026n;
    const siblings = Array.from({ length: DEPTH }, randomField);
    const position = randomBytes(4).readUInt32BE() % 2 ** DEPTH;
    const pathBits = Array.from({ length: DEPTH }, (_, h) => (position >> h) & 1);
    const witness = { type: 'mem' };
    await snarkjs.wtns.calculate({ scope, secret, siblings, pathBits },
      file('public_inputs_js/public_inputs.wasm'), witness);
    const signals = await snarkjs.wtns.exportJson(witness);
    const input = { root: signals[1], nullifier: signals[2], message: 123456789n, scope, secret, siblings, pathBits };
    writeFileSync(file('input.json'), JSON.stringify(input, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 1));
  }
  const r1cs = await snarkjs.r1cs.info(file('credential.r1cs'));
  console.log(JSON.stringify({ constraints: r1cs.nConstraints, provingKeyBytes: statSync(file('credential.zkey')).size }));
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function bench(dir, runs) {
  const file = (name) => join(dir, name);
  const input = JSON.parse(readFileSync(file('input.json'), 'utf8'));
  const vk = JSON.parse(readFileSync(file('vk.json'), 'utf8'));
  const out = {};
  for (const singleThread of [true, false]) {
    const proveMs = [];
    let last;
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      last = await snarkjs.groth16.fullProve(input, file('credential_js/credential.wasm'),
        file('credential.zkey'), undefined, undefined, { singleThread });
      proveMs.push(performance.now() - started);
    }
    const verifyMs = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const valid = await snarkjs.groth16.verify(vk, last.publicSignals, last.proof);
      verifyMs.push(performance.now() - started);
      if (!valid) throw Error('snarkjs proof does not verify');
    }
    out[singleThread ? 'single' : 'threads'] = { proveMs: median(proveMs), verifyMs: median(verifyMs), runs: proveMs };
  }
  const r1cs = await snarkjs.r1cs.info(file('credential.r1cs'));
  out.constraints = r1cs.nConstraints;
  out.provingKeyBytes = statSync(file('credential.zkey')).size;
  console.log(JSON.stringify(out));
}

const [command, dir, runs] = process.argv.slice(2);
if (command === 'setup' && dir) await setup(dir);
else if (command === 'bench' && dir) await bench(dir, Number(runs ?? 5));
else {
  console.error('usage: node circuits/bench/snarkjs.mjs setup|bench DIR [RUNS]');
  process.exit(2);
}
// ffjavascript's worker threads would keep node alive
process.exit(0);
