// SPDX-License-Identifier: AGPL-3.0-or-later
//
// Reference test-vector generator for the Rust implementation of Mina
// signatures (legacy payment / stake-delegation / string signatures and
// kimchi-style field signatures).
//
// Every vector is produced by the exact `mina-signer` version pinned in the
// workspace package.json (4.0.0) and written to
//   mina/vectors/mina-signer-4.0.0.json
// The output is fully deterministic: all "random" private keys, field elements
// and message characters come from a seeded SHA-256 counter-mode PRNG, never
// from Math.random or crypto.getRandomValues, so re-running the script
// reproduces the file byte for byte.
//
// After writing, the file is re-read and every vector is verified again with
// mina-signer (signature and, for user commands, both transaction hashes).
// The script exits non-zero if anything fails.
//
// Run from the workspace root:
//   node mina/vectors/generate.mjs

import Client from 'mina-signer';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const OUTPUT = join(dirname(fileURLToPath(import.meta.url)), 'mina-signer-4.0.0.json');
const GENERATOR = 'mina-signer@4.0.0 via mina/vectors/generate.mjs';

// ---------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------

/** Pallas base field modulus (the field signatures' r and signed fields live in). */
const P = 0x40000000000000000000000000000000224698fc094cf91b992d30ed00000001n;
/** Pallas scalar field modulus (private keys and signatures' s live here). */
const Q = 0x40000000000000000000000000000000224698fc0994a8dd8c46eb2100000001n;

const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = (1n << 32n) - 1n;

// ---------------------------------------------------------------------------
// Deterministic PRNG: SHA-256 in counter mode over (seed, label, counter).
// Each consumer uses its own label, so adding vectors of one kind never
// changes the keys or data of another.
// ---------------------------------------------------------------------------

const SEED = 'WebFunctions mina-signer 4.0.0 test vectors, seed v1';

class Prng {
  constructor(label) {
    this.label = label;
    this.counter = 0n;
  }
  /** Next 32 pseudo-random bytes. */
  bytes32() {
    const ctr = Buffer.alloc(8);
    ctr.writeBigUInt64BE(this.counter++);
    return createHash('sha256')
      .update(SEED)
      .update('\0')
      .update(this.label)
      .update('\0')
      .update(ctr)
      .digest();
  }
  /** Next 255-bit value (little-endian bytes, top bit cleared). */
  bits255() {
    return bytesToBigIntLE(this.bytes32()) & ((1n << 255n) - 1n);
  }
  /** Uniform-ish integer in [0, n) for small n. */
  int(n) {
    return Number(this.bits255() % BigInt(n));
  }
}

function bytesToBigIntLE(bytes) {
  let x = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i]);
  return x;
}

/** Nonzero private-key scalar: 255-bit value reduced mod q, rejecting 0. */
function randomScalar(prng) {
  for (;;) {
    const x = prng.bits255() % Q;
    if (x !== 0n) return x;
  }
}

/** Canonical base-field element: 255-bit value reduced mod p. */
function randomField(prng) {
  return prng.bits255() % P;
}

// ---------------------------------------------------------------------------
// Private-key encoding (base58check, version byte 90, payload 0x01 || LE32)
// ---------------------------------------------------------------------------

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest();
}

function base58Encode(bytes) {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = '1' + out;
  }
  return out;
}

function base58CheckEncode(versionByte, payload) {
  const body = Buffer.from([versionByte, ...payload]);
  const checksum = sha256(sha256(body)).subarray(0, 4);
  return base58Encode(Buffer.concat([body, checksum]));
}

function privateKeyFromScalar(scalar) {
  if (scalar <= 0n || scalar >= Q) throw Error(`scalar out of range: ${scalar}`);
  const le = [];
  let x = scalar;
  for (let i = 0; i < 32; i++) {
    le.push(Number(x & 0xffn));
    x >>= 8n;
  }
  return base58CheckEncode(90, [0x01, ...le]);
}

// ---------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------

// The client network does not matter for key derivation.
const keyClient = new Client({ network: 'mainnet' });

function makeKey(name, scalar) {
  const privateKey = privateKeyFromScalar(scalar);
  // mina-signer must accept our encoding, and re-encoding through its own
  // base58 (convertPrivateKeyToBase58WithMod decodes, reduces mod q, and
  // re-encodes with PrivateKey.toBase58) must give back the same string.
  const publicKey = keyClient.derivePublicKey(privateKey);
  const reencoded = keyClient.convertPrivateKeyToBase58WithMod(privateKey);
  if (reencoded !== privateKey) {
    throw Error(`key ${name}: mina-signer re-encodes ${privateKey} as ${reencoded}`);
  }
  return { name, scalar: scalar.toString(), privateKey, publicKey };
}

const keyPrng = new Prng('keys');
const KEYS = [
  makeKey('one', 1n),
  makeKey('two', 2n),
  makeKey('three', 3n),
  makeKey('q-1', Q - 1n),
  makeKey('q-2', Q - 2n),
  makeKey('p-1', P - 1n),
  makeKey('p', P),
  makeKey('p+1', P + 1n),
  makeKey('2^254', 1n << 254n),
  makeKey('2^253', 1n << 253n),
  makeKey('2^254-1', (1n << 254n) - 1n),
  makeKey('2^64', 1n << 64n),
  ...Array.from({ length: 20 }, (_, i) =>
    makeKey(`random-${String(i).padStart(2, '0')}`, randomScalar(keyPrng))
  ),
];

// Round-robin key selection so every key (in particular the near-modulus
// ones) signs many vectors of every kind.
let keyCursor = 0;
function nextKey() {
  return KEYS[keyCursor++ % KEYS.length];
}
/** A receiver/delegate key different from `key`, also rotating. */
let otherCursor = 0;
function otherKey(key) {
  for (;;) {
    const k = KEYS[(otherCursor++ * 7 + 3) % KEYS.length];
    if (k !== key) return k;
  }
}

// ---------------------------------------------------------------------------
// Edge values
// ---------------------------------------------------------------------------

// uint64 values around the bin_prot integer-encoding boundaries (uint64 is
// serialised as a signed int64, so values >= 2^63 become negative and hit the
// negative-size boundaries too), plus 1 MINA.
const U64_EDGES = [
  0n, 1n, 127n, 128n, 255n, 256n, 32767n, 32768n, 65535n, 65536n,
  (1n << 31n) - 1n, 1n << 31n, U32_MAX, 1n << 32n, 1000000000n,
  (1n << 63n) - 1n, 1n << 63n,
  U64_MAX + 1n - (1n << 31n) - 1n, U64_MAX + 1n - (1n << 31n),
  U64_MAX + 1n - 32769n, U64_MAX + 1n - 32768n,
  U64_MAX + 1n - 129n, U64_MAX + 1n - 128n,
  U64_MAX,
].map(String);

// uint32 values around the same boundaries (uint32 is serialised as int32).
const U32_EDGES = [
  0n, 1n, 127n, 128n, 255n, 256n, 32767n, 32768n, 65535n, 65536n,
  (1n << 31n) - 1n, 1n << 31n,
  U32_MAX + 1n - 32769n, U32_MAX + 1n - 32768n,
  U32_MAX + 1n - 129n, U32_MAX + 1n - 128n,
  U32_MAX,
].map(String);

const VALID_UNTIL_EDGES = [undefined, '0', '12345', ...U32_EDGES.filter((x) => x !== '0')];

const utf8Len = (s) => Buffer.byteLength(s, 'utf8');
function padToBytes(s, n, pad = '.') {
  while (utf8Len(s) < n) s += pad;
  if (utf8Len(s) !== n) throw Error(`cannot pad ${JSON.stringify(s)} to ${n} bytes`);
  return s;
}

// Memo cases: `undefined` means the key is omitted from the input.
const MEMOS = [
  ['omitted', undefined],
  ['empty', ''],
  ['1-byte', 'a'],
  ['ascii-31-bytes', 'abcdefghijklmnopqrstuvwxyz01234'],
  ['ascii-32-bytes', 'abcdefghijklmnopqrstuvwxyz012345'],
  ['utf8-31-bytes', padToBytes('café € 🦊', 31)],
  ['utf8-32-bytes', padToBytes('é€🦊 naïve mémo', 32)],
  ['utf8-32-bytes-4byte-chars', '🦊🚀✨🌍🎉🍕🐙🔑'], // 8 four-byte code points
  ['printable-punctuation', 'memo "quoted" \\ / \'single\''],
];
for (const [name, memo] of MEMOS) {
  if (memo !== undefined && utf8Len(memo) > 32) throw Error(`memo ${name} too long`);
}

// ---------------------------------------------------------------------------
// Vector construction
// ---------------------------------------------------------------------------

const clients = new Map();
function client(network) {
  if (!clients.has(network)) clients.set(network, new Client({ network }));
  return clients.get(network);
}

/** Deep-copy a mina-signer return value, turning bigints into decimal strings. */
function jsonify(x) {
  if (typeof x === 'bigint') return x.toString();
  if (Array.isArray(x)) return x.map(jsonify);
  if (x !== null && typeof x === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(x)) out[k] = jsonify(v);
    return out;
  }
  return x;
}

const vectors = [];
const names = new Set();

function addVector(name, network, kind, key, input) {
  if (names.has(name)) throw Error(`duplicate vector name ${name}`);
  names.add(name);
  const c = client(network);
  let signed;
  let hash;
  switch (kind) {
    case 'payment':
      signed = c.signPayment(input, key.privateKey);
      hash = { v1: c.hashPayment(signed), berkeley: c.hashPayment(signed, { berkeley: true }) };
      break;
    case 'delegation':
      signed = c.signStakeDelegation(input, key.privateKey);
      hash = {
        v1: c.hashStakeDelegation(signed),
        berkeley: c.hashStakeDelegation(signed, { berkeley: true }),
      };
      break;
    case 'message':
      signed = c.signMessage(input, key.privateKey);
      break;
    case 'fields':
      signed = c.signFields(input.map((x) => BigInt(x)), key.privateKey);
      break;
    default:
      throw Error(`unknown kind ${kind}`);
  }
  const v = { name, network, kind, privateKey: key.privateKey, input, signed: jsonify(signed) };
  if (hash) v.hash = hash;
  vectors.push(v);
}

/**
 * Build a payment/delegation input. `to: 'self'` makes the receiver/delegate
 * the signer itself; otherwise another key is picked. Keys are always emitted in the order
 * to, from, amount, fee, nonce, validUntil, memo; `undefined` fields are
 * omitted entirely (not set to undefined), so `input` is exactly what was
 * passed to mina-signer.
 */
function commandInput(kind, key, { to, amount, fee, nonce, validUntil, memo }) {
  const receiver = to === 'self' ? key : otherKey(key);
  const input = { to: receiver.publicKey, from: key.publicKey };
  if (kind === 'payment') input.amount = amount ?? '1000000000';
  input.fee = fee ?? '10000000';
  input.nonce = nonce ?? '3';
  if (validUntil !== undefined) input.validUntil = validUntil;
  if (memo !== undefined) input.memo = memo;
  return input;
}

function command(kind, name, network, fields = {}, key = nextKey()) {
  addVector(`${kind}/${network}/${name}`, network, kind, key, commandInput(kind, key, fields));
}

const MAIN_NETS = ['mainnet', 'testnet'];
// Custom network ids. Besides the Poseidon prefix (id + "Signature", padded
// with '*' / truncated to 20 chars), mina-signer 4.0.0 derives the legacy
// nonce from only ONE byte of the id: getNetworkIdHashInput() packs the id's
// chars into a bigint (first char in the low byte), deriveNonceLegacy() then
// does bytesToBits([Number(id)]), i.e. takes the low 8 bits of the id after
// rounding it to a double. So ids of <= 6 chars contribute their first char,
// 7-char ids a rounded first char, and ids of >= 8 chars contribute 0x00
// (the same byte as testnet/devnet). The lengths below cover all three cases.
const CUSTOM_NETWORKS = [
  'a', // shortest possible custom id; prefix "aSignature**********"
  'zeko', // a real L2 name; nonce byte = 'z'
  'mina-l2', // 7 chars: 56-bit id, Number() rounding alters the low byte
  'berkeley', // 8 chars: nonce byte becomes 0x00
  'networkname', // 11 chars: "networknameSignature" is exactly 20 chars
  'Mainnet', // case-sensitive: NOT mainnet, treated as custom
  'custom-network-name-longer-than-twenty', // prefix truncated to 20 chars
];

// --- payments ---------------------------------------------------------------
for (const net of MAIN_NETS) {
  for (const amount of U64_EDGES) command('payment', `amount=${amount}`, net, { amount });
  for (const fee of U64_EDGES) command('payment', `fee=${fee}`, net, { fee });
  for (const [memoName, memo] of MEMOS) command('payment', `memo=${memoName}`, net, { memo });
  command('payment', 'to=from', net, { to: 'self' });
}
U32_EDGES.forEach((nonce, i) => command('payment', `nonce=${nonce}`, MAIN_NETS[i % 2], { nonce }));
VALID_UNTIL_EDGES.forEach((validUntil, i) =>
  command('payment', `validUntil=${validUntil ?? 'omitted'}`, MAIN_NETS[i % 2], { validUntil })
);
for (const net of MAIN_NETS) {
  command('payment', 'all-max', net, {
    amount: String(U64_MAX), fee: String(U64_MAX), nonce: String(U32_MAX),
    validUntil: String(U32_MAX), memo: MEMOS.find(([n]) => n === 'utf8-32-bytes')[1],
  });
  command('payment', 'all-zero', net, { amount: '0', fee: '0', nonce: '0', validUntil: '0', memo: '' });
  // Small values given as JSON numbers instead of decimal strings.
  command('payment', 'json-numbers', net, { amount: 128, fee: 32767, nonce: 1, validUntil: 12345 });
  command('payment', 'json-numbers-mina', net, { amount: 1000000000, fee: 0, nonce: 0 });
}

// --- delegations --------------------------------------------------------------
U64_EDGES.forEach((fee, i) => command('delegation', `fee=${fee}`, MAIN_NETS[i % 2], { fee }));
U32_EDGES.forEach((nonce, i) => command('delegation', `nonce=${nonce}`, MAIN_NETS[(i + 1) % 2], { nonce }));
VALID_UNTIL_EDGES.forEach((validUntil, i) =>
  command('delegation', `validUntil=${validUntil ?? 'omitted'}`, MAIN_NETS[i % 2], { validUntil })
);
for (const net of MAIN_NETS) {
  for (const [memoName, memo] of MEMOS) command('delegation', `memo=${memoName}`, net, { memo });
  command('delegation', 'to=from', net, { to: 'self' });
  command('delegation', 'all-max', net, {
    fee: String(U64_MAX), nonce: String(U32_MAX), validUntil: String(U32_MAX),
    memo: MEMOS.find(([n]) => n === 'ascii-32-bytes')[1],
  });
  command('delegation', 'all-zero', net, { fee: '0', nonce: '0', validUntil: '0', memo: '' });
  command('delegation', 'json-numbers', net, { fee: 127, nonce: 128, validUntil: 0 });
}

// --- messages -------------------------------------------------------------------
const msgPrng = new Prng('messages');
const LOWER = 'abcdefghijklmnopqrstuvwxyz ';
const randomAscii = (n) => Array.from({ length: n }, () => LOWER[msgPrng.int(LOWER.length)]).join('');
const UNICODE_POOL = [...'aé€🦊中文한글ñ\u0301 \n"\\'];
const randomUnicode = (n) =>
  Array.from({ length: n }, () => UNICODE_POOL[msgPrng.int(UNICODE_POOL.length)]).join('');

const MESSAGES = [
  ['empty', ''],
  ['a', 'a'],
  ['hello', 'Hello, Mina!'],
  ['fox', 'The quick brown fox jumps over the lazy dog.'],
  ['accents', 'Café crème brûlée — naïve façade, São Paulo, Zürich, Ærøskøbing'],
  ['cjk', '你好，世界。こんにちは世界。안녕하세요 세계'],
  ['emoji', '🦊🚀✨ family: 👩‍👩‍👧‍👦 flag: 🇨🇭 skin tone: 👋🏽'],
  ['combining-marks', 'e\u0301 a\u0308 n\u0303 Z\u0351\u0362\u0315a\u0364\u0301l\u0352go'],
  ['newlines-and-quotes', 'line 1\nline 2\r\n\t"double" \'single\' `back` \\ backslash\n'],
  ['json', JSON.stringify({ type: 'login', nonce: 42, domain: 'example.com', tags: ['a', 'b'], ok: true })],
  ['nul-and-controls', 'before\u0000after\u0001\u001f\u007f'],
  ['ascii-31-bytes', randomAscii(31)],
  ['ascii-32-bytes', randomAscii(32)],
  ['ascii-33-bytes', randomAscii(33)],
  ['ascii-64-bytes', randomAscii(64)],
  ['ascii-255-bytes', randomAscii(255)],
  ['ascii-256-bytes', randomAscii(256)],
  ['ascii-5000-chars', randomAscii(5000)],
  ['unicode-2000-code-points', randomUnicode(2000)],
];
for (const net of MAIN_NETS) {
  for (const [name, msg] of MESSAGES) addVector(`message/${net}/${name}`, net, 'message', nextKey(), msg);
}

// --- fields ---------------------------------------------------------------------
const fieldPrng = new Prng('fields');
const randomFields = (n) => Array.from({ length: n }, () => randomField(fieldPrng).toString());

// mina-signer 4.0.0 accepts (and signs) an empty array; checked here so the
// vector is only emitted if that stays true.
let emptyFieldsSign = true;
try {
  const probeKey = KEYS[0];
  const s = client('testnet').signFields([], probeKey.privateKey);
  emptyFieldsSign = client('testnet').verifyFields(s);
} catch {
  emptyFieldsSign = false;
}

const FIELDS = [
  ...(emptyFieldsSign ? [['empty', []]] : []),
  ['zero', ['0']],
  ['one', ['1']],
  ['p-1', [String(P - 1n)]],
  ['2^254', [String(1n << 254n)]],
  ['small-sequence', ['0', '1', '2', '3']],
  ['random-1a', randomFields(1)],
  ['random-1b', randomFields(1)],
  ['random-1c', randomFields(1)],
  ['random-2', randomFields(2)],
  ['random-3', randomFields(3)],
  ['random-5', randomFields(5)],
  ['random-16', randomFields(16)],
  ['random-100', randomFields(100)],
];
for (const [, fs] of FIELDS) for (const f of fs) if (BigInt(f) >= P) throw Error('non-canonical field');
for (const net of MAIN_NETS) {
  for (const [name, fs] of FIELDS) addVector(`fields/${net}/${name}`, net, 'fields', nextKey(), fs);
}

// --- devnet -----------------------------------------------------------------
command('payment', 'baseline', 'devnet');
command('payment', 'all-max', 'devnet', {
  amount: String(U64_MAX), fee: String(U64_MAX), nonce: String(U32_MAX), validUntil: String(U32_MAX),
  memo: MEMOS.find(([n]) => n === 'utf8-32-bytes')[1],
});
command('delegation', 'baseline', 'devnet');
command('delegation', 'memo=utf8-31-bytes', 'devnet', { memo: MEMOS.find(([n]) => n === 'utf8-31-bytes')[1] });
addVector('message/devnet/hello', 'devnet', 'message', nextKey(), 'Hello, Mina!');
addVector('message/devnet/empty', 'devnet', 'message', nextKey(), '');
addVector('fields/devnet/random-3', 'devnet', 'fields', nextKey(), randomFields(3));

// --- custom networks --------------------------------------------------------
for (const net of CUSTOM_NETWORKS) {
  command('payment', 'baseline', net, { memo: 'custom network' });
  command('delegation', 'baseline', net, { validUntil: '12345' });
  addVector(`message/${net}/hello`, net, 'message', nextKey(), 'Hello, Mina!');
  addVector(`message/${net}/emoji`, net, 'message', nextKey(), 'zk 🦊 ✓');
}
// signFields ignores the client network (hard-coded devnet); record one anyway.
addVector('fields/zeko/random-2', 'zeko', 'fields', nextKey(), randomFields(2));

// ---------------------------------------------------------------------------
// Write, re-read, verify
// ---------------------------------------------------------------------------

const out = { generator: GENERATOR, keys: KEYS, vectors };
writeFileSync(OUTPUT, JSON.stringify(out, null, 2) + '\n');

const reread = JSON.parse(readFileSync(OUTPUT, 'utf8'));
let failures = 0;
const fail = (v, why) => {
  failures++;
  console.error(`FAIL ${v.name}: ${why}`);
};
const keyByPrivate = new Map(reread.keys.map((k) => [k.privateKey, k]));
const counts = new Map(); // kind -> network -> n

for (const v of reread.vectors) {
  const c = new Client({ network: v.network });
  const key = keyByPrivate.get(v.privateKey);
  try {
    if (!key) fail(v, 'privateKey not in keys list');
    else if (v.signed.publicKey !== key.publicKey) fail(v, 'signed.publicKey != key.publicKey');
    let ok;
    switch (v.kind) {
      case 'payment':
        if (v.input.from !== key?.publicKey) fail(v, 'from is not the signer');
        ok = c.verifyPayment(v.signed);
        if (c.hashPayment(v.signed) !== v.hash.v1) fail(v, 'v1 hash mismatch');
        if (c.hashPayment(v.signed, { berkeley: true }) !== v.hash.berkeley) fail(v, 'berkeley hash mismatch');
        break;
      case 'delegation':
        if (v.input.from !== key?.publicKey) fail(v, 'from is not the signer');
        ok = c.verifyStakeDelegation(v.signed);
        if (c.hashStakeDelegation(v.signed) !== v.hash.v1) fail(v, 'v1 hash mismatch');
        if (c.hashStakeDelegation(v.signed, { berkeley: true }) !== v.hash.berkeley)
          fail(v, 'berkeley hash mismatch');
        break;
      case 'message':
        ok = c.verifyMessage(v.signed);
        break;
      case 'fields':
        ok = c.verifyFields({ ...v.signed, data: v.signed.data.map((x) => BigInt(x)) });
        break;
    }
    if (ok !== true) fail(v, 'signature does not verify');
  } catch (e) {
    fail(v, `exception: ${e.message}`);
  }
  if (!counts.has(v.kind)) counts.set(v.kind, new Map());
  const byNet = counts.get(v.kind);
  byNet.set(v.network, (byNet.get(v.network) ?? 0) + 1);
}

// Summary
console.log(`wrote ${OUTPUT}`);
console.log(`${reread.keys.length} keys, ${reread.vectors.length} vectors`);
for (const [kind, byNet] of counts) {
  const total = [...byNet.values()].reduce((a, b) => a + b, 0);
  const parts = [...byNet].map(([n, k]) => `${n}=${k}`).join(', ');
  console.log(`  ${kind.padEnd(10)} ${String(total).padStart(4)}  (${parts})`);
}
console.log(`empty fields array accepted by signFields: ${emptyFieldsSign}`);
if (failures > 0) {
  console.error(`${failures} verification failure(s)`);
  process.exit(1);
}
console.log('all vectors re-verified with mina-signer');
