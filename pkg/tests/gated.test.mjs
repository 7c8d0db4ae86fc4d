// SPDX-License-Identifier: AGPL-3.0-or-later
//
// The caller's side of gated and paid calls in the package: `prepareCall` builds, from a
// quote, the body of `POST /v1/calls`. Checked against what others compute: payments verify
// with mina-signer (the real package) and pay the quoted provider the price with the job id
// as memo; the proof's scope and message are those docs/protocol.md defines (recomputed here
// from the spec with node:crypto), and the proof verifies in the package and with the native
// `webfn zk verify`; refusals are Errors with the protocol's stable codes. Finally a dapp's
// whole path against a real `webfn relay` and `webfn provider`: quote, prepareCall, POST
// /v1/calls, the sealed secret reaching the function.
//
//   cargo xtask pkg && node --test pkg/tests/

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { DIST, MinaSigner } from './support.mjs';
import { nativeVerify, setupKeys, webfnBinary } from './webfn.mjs';

const { default: Client, ZkProvingKey, hpkeAnnounce, prepareCall, zk } = await import(
  new URL('node/index.mjs', `file://${DIST}`)
);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PRICE = 1_000_000;
const JOB = '0123456789abcdef0123456789abcdef';
const client = new Client({ network: 'testnet' });
const provider = client.genKeys();
const payer = client.genKeys();

// ---- the bindings of docs/protocol.md ("Bindings"), computed independently of the package

/** BLS12-381's scalar field modulus r. */
const R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
const sha256 = (text) => createHash('sha256').update(text).digest();
/** `F(text)`: SHA-256 read as a big-endian integer, reduced modulo r, in decimal. */
const toField = (text) => (BigInt(`0x${sha256(text).toString('hex')}`) % R).toString();

function scopeOf(fn, epoch, slot) {
  return toField(`webfn scope v1\n${fn}\n${epoch}\n${slot}`);
}

/** The message of a call, its JSON rebuilt in the key order the spec gives. */
function messageOf(call) {
  const { method, path, headers, body } = call.request;
  const sealed = call.sealed ? { enc: call.sealed.enc, ciphertext: call.sealed.ciphertext } : null;
  const input = sha256(`webfn input v1\n${JSON.stringify({ request: { method, path, headers, body }, sealed })}`);
  let payment = 'webfn payment v1\nnone';
  if (call.payment) {
    const { signature, publicKey, data } = call.payment;
    const { to, from, fee, amount, nonce, memo, validUntil } = data;
    payment = `webfn payment v1\n${JSON.stringify({
      signature: { field: signature.field, scalar: signature.scalar },
      publicKey,
      data: { to, from, fee, amount, nonce, memo, validUntil },
    })}`;
  }
  return toField(`webfn message v1\n${call.job_id}\n${input.toString('hex')}\n${sha256(payment).toString('hex')}`);
}

// ---- quotes as the relay answers them

function openQuote(overrides = {}) {
  return {
    job_id: JOB,
    function: 'hmac-sign',
    provider: provider.publicKey,
    hpke: hpkeAnnounce(provider.privateKey),
    price: PRICE,
    network: 'testnet',
    expires_at: 4_000_000_000,
    access: { kind: 'open' },
    ...overrides,
  };
}

function gatedQuote(overrides = {}) {
  return openQuote({
    access: { kind: 'group', group: 'team', quota: 3, epoch_secs: 3600 },
    epoch: 490_000,
    ...overrides,
  });
}

const REQUEST = { method: 'POST', path: '/sign?x=1', headers: [['Content-Type', 'text/plain']], body: 'abc' };
const PAYER = { privateKey: payer.privateKey, fee: 10_000_000n, nonce: 7 };

/** Runs `f`, which must throw an Error with `code`; returns the Error. */
function refused(f, code, pattern) {
  let error;
  assert.throws(f, (e) => {
    error = e;
    return true;
  });
  assert.ok(error instanceof Error, `not an Error: ${error}`);
  assert.equal(error.code, code, error.message);
  assert.ok(error.message.startsWith(`${code}: `), error.message);
  if (pattern) assert.match(error.message, pattern);
  return error;
}

describe('hpkeAnnounce', () => {
  test('derives the provider\'s key from its Mina key and signs it', () => {
    const announced = hpkeAnnounce(provider.privateKey);
    assert.deepEqual(Object.keys(announced), ['public_key', 'signature']);
    assert.match(announced.public_key, /^[0-9a-f]{64}$/);
    assert.deepEqual(hpkeAnnounce(provider.privateKey), announced, 'deterministic');
    assert.notEqual(hpkeAnnounce(payer.privateKey).public_key, announced.public_key);
    refused(() => hpkeAnnounce('EKnope'), 'bad_request', /privateKey/);
    refused(() => hpkeAnnounce(42), 'bad_request', /privateKey/);
  });
});

describe('prepareCall for a priced open quote', () => {
  const quote = openQuote();
  const call = prepareCall(quote, REQUEST, { secrets: { key: 'k', 'api-token': 'x y' }, payer: PAYER });

  test('has the shape of POST /v1/calls: job, function, request with lowercase names and a base64 body', () => {
    assert.deepEqual(Object.keys(call), ['job_id', 'function', 'request', 'sealed', 'payment']);
    assert.equal(call.job_id, JOB);
    assert.equal(call.function, 'hmac-sign');
    assert.deepEqual(call.request, {
      method: 'POST', path: '/sign?x=1', headers: [['content-type', 'text/plain']], body: 'YWJj',
    });
    const bytes = prepareCall(quote, { ...REQUEST, body: new Uint8Array([0, 255, 1]) }, { payer: PAYER });
    assert.equal(bytes.request.body, 'AP8B');
    const empty = prepareCall(quote, { method: 'GET', path: '/' }, { payer: PAYER });
    assert.deepEqual(empty.request, { method: 'GET', path: '/', headers: [], body: '' });
    assert.equal('credential' in call, false);
  });

  test('the payment verifies with mina-signer and pays the quoted provider the price, memo = job id', () => {
    const { payment } = call;
    assert.equal(new MinaSigner({ network: 'testnet' }).verifyPayment(payment), true);
    assert.equal(new MinaSigner({ network: 'mainnet' }).verifyPayment(payment), false, 'signed for testnet only');
    assert.equal(payment.publicKey, payer.publicKey);
    assert.equal(payment.data.from, payer.publicKey);
    assert.equal(payment.data.to, quote.provider);
    assert.equal(payment.data.amount, String(PRICE));
    assert.equal(payment.data.memo, JOB);
    assert.equal(payment.data.fee, '10000000');
    assert.equal(payment.data.nonce, '7');
    assert.equal(client.verifyPayment(payment), true);
  });

  test('the payment follows the quote: network, an amount above the price, fee and nonce as text', () => {
    const mainnet = prepareCall(openQuote({ network: 'mainnet' }), REQUEST, {
      payer: { privateKey: payer.privateKey, fee: '2000000', nonce: 1n, amount: 5_000_000 },
    }).payment;
    assert.equal(new MinaSigner({ network: 'mainnet' }).verifyPayment(mainnet), true);
    assert.equal(new MinaSigner({ network: 'testnet' }).verifyPayment(mainnet), false);
    assert.equal(mainnet.data.amount, '5000000');
    assert.equal(mainnet.data.fee, '2000000');
    assert.equal(mainnet.data.nonce, '1');
  });

  test('secrets are sealed: enc is 32 bytes, the ciphertext their JSON plus the 16-byte tag, never the values', () => {
    assert.deepEqual(Object.keys(call.sealed), ['enc', 'ciphertext']);
    assert.equal(Buffer.from(call.sealed.enc, 'base64').length, 32);
    const plaintext = JSON.stringify({ 'api-token': 'x y', key: 'k' });
    assert.equal(Buffer.from(call.sealed.ciphertext, 'base64').length, plaintext.length + 16);
    assert.doesNotMatch(JSON.stringify(call), /x y/);
    const again = prepareCall(quote, REQUEST, { secrets: { key: 'k', 'api-token': 'x y' }, payer: PAYER });
    assert.notEqual(again.sealed.enc, call.sealed.enc, 'a fresh encapsulation each time');
    const none = prepareCall(quote, REQUEST, { secrets: {}, payer: PAYER });
    assert.equal('sealed' in none, false);
  });

  test('a free open quote needs no payer and carries no payment', () => {
    const free = prepareCall(openQuote({ price: 0 }), REQUEST, { secrets: { key: 'k' } });
    assert.deepEqual(Object.keys(free), ['job_id', 'function', 'request', 'sealed']);
    const paidAnyway = prepareCall(openQuote({ price: 0 }), REQUEST, { payer: PAYER });
    assert.equal(paidAnyway.payment.data.amount, '0');
  });
});

describe('prepareCall refuses, with the protocol\'s codes', () => {
  test('an HPKE key not signed by the quoted provider: bad_signature', () => {
    const other = client.genKeys();
    // another provider's announcement, or this provider's signature over another key
    refused(() => prepareCall(openQuote({ hpke: hpkeAnnounce(other.privateKey) }), REQUEST, { payer: PAYER }),
      'bad_signature', new RegExp(provider.publicKey));
    const swapped = { ...hpkeAnnounce(provider.privateKey), public_key: hpkeAnnounce(other.privateKey).public_key };
    refused(() => prepareCall(openQuote({ hpke: swapped }), REQUEST, { payer: PAYER }), 'bad_signature');
    const forged = { ...hpkeAnnounce(provider.privateKey) };
    forged.signature = { ...forged.signature, scalar: String(BigInt(forged.signature.scalar) + 1n) };
    refused(() => prepareCall(openQuote({ hpke: forged }), REQUEST, {}), 'bad_signature');
  });

  test('a priced quote without a payer: payment_required', () => {
    refused(() => prepareCall(openQuote(), REQUEST, { secrets: { key: 'k' } }), 'payment_required', /1000000 nanomina/);
    refused(() => prepareCall(openQuote(), REQUEST), 'payment_required');
  });

  test('a gated quote without a member: unauthorized', () => {
    refused(() => prepareCall(gatedQuote({ price: 0 }), REQUEST, {}), 'unauthorized', /gated/);
  });

  test('malformed inputs: bad_request naming what is wrong', () => {
    const cases = [
      [() => prepareCall({ ...openQuote(), extra: 1 }, REQUEST, { payer: PAYER }), /quote: unknown field `extra`/],
      [() => prepareCall({ job_id: JOB }, REQUEST, { payer: PAYER }), /quote: missing field/],
      [() => prepareCall(openQuote(), 'GET /', { payer: PAYER }), /request: expected/],
      [() => prepareCall(openQuote(), { method: 'GET' }, { payer: PAYER }), /request\.path/],
      [() => prepareCall(openQuote(), { method: 'GET', path: 'no-slash' }, { payer: PAYER }), /path/],
      [() => prepareCall(openQuote(), { method: 'G T', path: '/' }, { payer: PAYER }), /not an HTTP method/],
      [() => prepareCall(openQuote(), { ...REQUEST, headers: [['a b', 'c']] }, { payer: PAYER }), /header name/],
      [() => prepareCall(openQuote(), { ...REQUEST, headers: [['a']] }, { payer: PAYER }), /request\.headers\[0\]/],
      [() => prepareCall(openQuote(), { ...REQUEST, headers: { a: 'b' } }, { payer: PAYER }), /request\.headers/],
      [() => prepareCall(openQuote(), { ...REQUEST, body: 42 }, { payer: PAYER }), /request\.body/],
      [() => prepareCall(openQuote(), REQUEST, { secrets: { Key: 'k' }, payer: PAYER }), /secret name "Key"/],
      [() => prepareCall(openQuote(), REQUEST, { secrets: { key: 1 }, payer: PAYER }), /secrets\.key/],
      [() => prepareCall(openQuote(), REQUEST, { secrets: { key: 'a\nb' }, payer: PAYER }), /control character/],
      [() => prepareCall(openQuote(), REQUEST, { payer: { ...PAYER, privateKey: 'EKx' } }), /payer\.privateKey/],
      [() => prepareCall(openQuote(), REQUEST, { payer: { ...PAYER, fee: -1 } }), /payer\.fee/],
      [() => prepareCall(openQuote(), REQUEST, { payer: { ...PAYER, fee: 2n ** 64n } }), /payer\.fee: 18446744073709551616 exceeds/],
      [() => prepareCall(openQuote(), REQUEST, { payer: { ...PAYER, nonce: 2 ** 32 } }), /payer\.nonce: 4294967296 is too large/],
      [() => prepareCall(openQuote(), REQUEST, { payer: { privateKey: payer.privateKey, fee: 1 } }), /payer\.nonce: missing/],
      [() => prepareCall(gatedQuote(), REQUEST, { payer: PAYER, member: { secret: '1', group: ['1'], slot: 0 } }), /member\.provingKey/],
      [() => prepareCall(gatedQuote(), REQUEST, { payer: PAYER, member: { secret: 'x', group: [], slot: 0 } }), /member\.secret/],
    ];
    for (const [f, pattern] of cases) refused(f, 'bad_request', pattern);
  });

  test('a memo that cannot hold the job id: bad_request (a quote no relay gives)', () => {
    refused(() => prepareCall(openQuote({ job_id: 'j'.repeat(33) }), REQUEST, { payer: PAYER }), 'bad_request', /memo/);
  });

  test('an amount below the price, or the protocol\'s own network: refused before signing', () => {
    const below = { payer: { ...PAYER, amount: 1 } };
    refused(() => prepareCall(openQuote(), REQUEST, below), 'payment_required', /below the quoted price/);
    refused(() => prepareCall(openQuote({ network: 'webfn' }), REQUEST, { payer: PAYER }), 'bad_request', /network/);
  });
});

describe('prepareCall for a gated quote', () => {
  let keys;
  let key;
  let alice;
  let group;
  let quote;
  let call;

  before(() => {
    keys = setupKeys('33'.repeat(32));
    key = ZkProvingKey.load(keys.provingKey, keys.provingKeyDigest);
    alice = zk.createIdentity();
    group = [zk.createIdentity().commitment, '0', alice.commitment];
    quote = gatedQuote();
    call = prepareCall(quote, REQUEST, {
      secrets: { key: 'k' },
      payer: PAYER,
      member: { secret: alice.secret, group, provingKey: key, slot: 2 },
    });
  });
  after(() => key?.free());

  test('the credential names the quoted epoch and the slot, and its scope and message are this call\'s', () => {
    assert.deepEqual(Object.keys(call), ['job_id', 'function', 'request', 'sealed', 'payment', 'credential']);
    const { credential } = call;
    assert.deepEqual(Object.keys(credential), ['epoch', 'slot', 'proof']);
    assert.equal(credential.epoch, quote.epoch);
    assert.equal(credential.slot, 2);
    assert.equal(credential.proof.publicInputs.scope, scopeOf('hmac-sign', quote.epoch, 2));
    assert.equal(credential.proof.publicInputs.message, messageOf(call));
  });

  test('the proof verifies in the package and with the native webfn zk verify', () => {
    assert.equal(zk.verify(key.verifyingKey(), call.credential.proof), true);
    assert.deepEqual(nativeVerify(keys.dir, call.credential.proof), { status: 0, stdout: 'valid', stderr: '' });
  });

  test('the message binds the request, the secrets and the payment', () => {
    const { message } = call.credential.proof.publicInputs;
    const changed = [
      { ...call, request: { ...call.request, body: 'YWJk' } },
      { ...call, request: { ...call.request, headers: [] } },
      { ...call, sealed: undefined },
      { ...call, payment: undefined },
      { ...call, payment: { ...call.payment, data: { ...call.payment.data, amount: '1000001' } } },
      { ...call, job_id: 'fedcba9876543210fedcba9876543210' },
    ];
    for (const other of changed) assert.notEqual(messageOf(other), message);
  });

  test('the key stays loaded for the next call; a free gated quote needs no payer', () => {
    assert.equal(key.digest, keys.provingKeyDigest);
    const free = prepareCall(gatedQuote({ price: 0 }), REQUEST, {
      member: { secret: BigInt(alice.secret), group: group.map(BigInt), provingKey: key, slot: 0 },
    });
    assert.equal('payment' in free, false);
    assert.equal(free.credential.proof.publicInputs.message, messageOf(free));
    assert.equal(free.credential.proof.publicInputs.scope, scopeOf('hmac-sign', quote.epoch, 0));
    assert.equal(zk.verify(key.verifyingKey(), free.credential.proof), true);
    // same member, function, epoch and slot: the same nullifier (how the relay counts the quota)
    const again = prepareCall(gatedQuote({ price: 0, job_id: 'another-job' }), { method: 'GET', path: '/' }, {
      member: { secret: alice.secret, group, provingKey: key, slot: 0 },
    });
    assert.equal(again.credential.proof.publicInputs.nullifier, free.credential.proof.publicInputs.nullifier);
    assert.notEqual(again.credential.proof.publicInputs.nullifier, call.credential.proof.publicInputs.nullifier);
  });

  test('refusals: not a member, a quote without an epoch, a proving key given as bytes', () => {
    const stranger = zk.createIdentity();
    refused(() => prepareCall(gatedQuote({ price: 0 }), REQUEST, {
      member: { secret: stranger.secret, group, provingKey: key, slot: 0 },
    }), 'unauthorized', /not a member/);
    refused(() => prepareCall(gatedQuote({ price: 0, epoch: undefined }), REQUEST, {
      member: { secret: alice.secret, group, provingKey: key, slot: 0 },
    }), 'bad_request', /epoch/);
    refused(() => prepareCall(gatedQuote({ price: 0 }), REQUEST, {
      member: { secret: alice.secret, group, provingKey: keys.provingKey, slot: 0 },
    }), 'bad_request', /member\.provingKey/);
  });
});

// ---- the whole path of a dapp against a real relay and provider

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(what, ready, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await ready()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The example component `hmac-sign`, built by `cargo xtask examples` if missing. */
function hmacSignComponent() {
  const run = spawnSync('cargo', ['metadata', '--format-version', '1', '--no-deps', '--offline'], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20,
  });
  assert.equal(run.status, 0, run.stderr);
  const path = join(JSON.parse(run.stdout).target_directory, 'examples', 'hmac-sign.wasm');
  if (!existsSync(path)) {
    const build = spawnSync('cargo', ['xtask', 'examples'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    assert.equal(build.status, 0, 'cargo xtask examples failed (is the wasm32-wasip2 target installed?)');
  }
  return path;
}

describe('a dapp\'s call through webfn relay and webfn provider', () => {
  const dir = mkdtempSync(join(tmpdir(), 'webfn-gated-'));
  const processes = [];
  let relay;
  let members;
  let alice;

  /** Runs the webfn CLI to completion, failing on a non-zero exit. */
  function cli(args) {
    const run = spawnSync(webfnBinary(), args, { encoding: 'utf8' });
    assert.equal(run.status, 0, `webfn ${args.join(' ')}:\n${run.stderr}`);
    return run.stdout;
  }

  /** Starts a long-running webfn command, its output in `dir/name.log`. */
  function start(name, args) {
    const log = openSync(join(dir, `${name}.log`), 'w');
    const child = spawn(webfnBinary(), args, { stdio: ['ignore', log, log] });
    processes.push(child);
    return child;
  }

  async function post(path, body) {
    const response = await fetch(`${relay}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  before(async () => {
    const keys = setupKeys('44'.repeat(32));
    const address = `127.0.0.1:${await freePort()}`;
    relay = `http://${address}`;
    start('relay', ['relay', '--listen', address, '--data', join(dir, 'relay'), '--zk-keys', keys.dir]);
    await waitFor('the relay', async () => (await fetch(`${relay}/healthz`)).ok);

    const providerKey = join(dir, 'provider.key');
    writeFileSync(providerKey, `${client.genKeys().privateKey}\n`);
    start('provider', ['provider', '--relay', `ws://${address}`, '--key', providerKey, '--cache', join(dir, 'cache')]);

    const owner = join(dir, 'owner.key');
    writeFileSync(owner, `${client.genKeys().privateKey}\n`);
    alice = zk.createIdentity();
    members = [zk.createIdentity().commitment, alice.commitment];
    cli(['group', 'create', '--relay', relay, '--group', 'team', '--key', owner]);
    cli(['group', 'add', '--relay', relay, '--group', 'team', '--key', owner, ...members]);
    cli(['deploy', '--relay', relay, '--name', 'hmac-sign', '--key', owner, '--price', String(PRICE),
      '--group', 'team', '--quota', '2', '--epoch-secs', '3600', hmacSignComponent()]);
    await waitFor('a quote', async () => (await post('/v1/quotes', { function: 'hmac-sign' })).status === 200);
  });

  after(() => {
    for (const child of processes) child.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test('quote, prepareCall in WebAssembly, POST /v1/calls: the sealed secret signs the body; slots count', async () => {
    // what a page does: the group and the proving key from the relay, the key pinned to its digest
    const { members: leaves } = await (await fetch(`${relay}/v1/groups/team`)).json();
    assert.deepEqual(leaves, members);
    const { provingKey: digest } = await (await fetch(`${relay}/v1/zk`)).json();
    const bytes = new Uint8Array(await (await fetch(`${relay}/v1/zk/proving-key`)).arrayBuffer());
    const key = ZkProvingKey.load(bytes, digest);
    try {
      const quote = (await post('/v1/quotes', { function: 'hmac-sign' })).body;
      const member = { secret: alice.secret, group: leaves, provingKey: key, slot: 0 };
      const request = { method: 'POST', path: '/', headers: [['content-type', 'text/plain']], body: 'abc' };
      const call = prepareCall(quote, request, {
        secrets: { key: 'k' }, payer: { privateKey: payer.privateKey, fee: 10_000_000, nonce: 0 }, member,
      });
      const answer = await post('/v1/calls', call);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.status, 200);
      const expected = `${createHmac('sha256', 'k').update('abc').digest('hex')}\n`;
      assert.equal(Buffer.from(answer.body.body, 'base64').toString(), expected);

      // the same slot in the same epoch again: the relay counts the nullifier
      const next = (await post('/v1/quotes', { function: 'hmac-sign' })).body;
      const replay = prepareCall(next, request, {
        secrets: { key: 'k' }, payer: { privateKey: payer.privateKey, fee: 10_000_000, nonce: 1 }, member,
      });
      const refusedAnswer = await post('/v1/calls', replay);
      assert.equal(refusedAnswer.status, 409, JSON.stringify(refusedAnswer.body));
      assert.equal(refusedAnswer.body.code, 'nullifier_used');

      // nothing of a refused call is recorded: the same quote with the next slot goes through
      const nextSlot = prepareCall(next, request, {
        secrets: { key: 'k' }, payer: { privateKey: payer.privateKey, fee: 10_000_000, nonce: 1 },
        member: { ...member, slot: 1 },
      });
      const second = await post('/v1/calls', nextSlot);
      assert.equal(second.status, 200, JSON.stringify(second.body));
      assert.equal(Buffer.from(second.body.body, 'base64').toString(), expected);
    } finally {
      key.free();
    }
  });
});
