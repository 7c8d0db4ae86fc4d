// SPDX-License-Identifier: AGPL-3.0-or-later
//
// @webfunctions/client on what must fail: tampered signed objects do not verify, malformed
// inputs throw an Error whose message names the field, and verifying garbage answers false;
// none of it takes the process (or the client) down.
//
//   cargo xtask pkg && node --test pkg/tests/

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Client, KEYS, MinaSigner, VECTORS_LIST } from './support.mjs';

const testnet = new Client({ network: 'testnet' });
const reference = new MinaSigner({ network: 'testnet' });
const [key, otherKey] = KEYS;
const PAYMENT = Object.freeze({
  to: otherKey.publicKey,
  from: key.publicKey,
  amount: '1000000000',
  fee: '10000000',
  nonce: '7',
  memo: 'negative tests',
});
const DELEGATION = Object.freeze({ to: otherKey.publicKey, from: key.publicKey, fee: '10000000', nonce: '8' });
const FIELDS = Object.freeze([1n, 2n, 3n]);
const P = 0x40000000000000000000000000000000224698fc094cf91b992d30ed00000001n;

const signedPayment = testnet.signPayment(PAYMENT, key.privateKey);
const signedDelegation = testnet.signStakeDelegation(DELEGATION, key.privateKey);
const signedMessage = testnet.signMessage('negative tests', key.privateKey);
const signedFields = testnet.signFields([...FIELDS], key.privateKey);

/** A copy of `signed` with `data` (or the whole object) changed. */
const withData = (signed, data) => ({ ...signed, data: { ...signed.data, ...data } });
/** Decimal text plus one. */
const plusOne = (text) => (BigInt(text) + 1n).toString();
/** Base58 text with one character replaced, so that its checksum fails. */
const corrupt = (text) => text.slice(0, 10) + (text[10] === 'a' ? 'b' : 'a') + text.slice(11);

describe('tampered objects do not verify (ours and mina-signer agree)', () => {
  const cases = {
    'payment amount': ['verifyPayment', withData(signedPayment, { amount: plusOne(PAYMENT.amount) })],
    'payment fee': ['verifyPayment', withData(signedPayment, { fee: plusOne(PAYMENT.fee) })],
    'payment nonce': ['verifyPayment', withData(signedPayment, { nonce: '8' })],
    'payment memo': ['verifyPayment', withData(signedPayment, { memo: 'negative test' })],
    'payment receiver': ['verifyPayment', withData(signedPayment, { to: key.publicKey })],
    'payment validUntil': ['verifyPayment', withData(signedPayment, { validUntil: '4294967294' })],
    'payment signature field': [
      'verifyPayment',
      { ...signedPayment, signature: { ...signedPayment.signature, field: plusOne(signedPayment.signature.field) } },
    ],
    'payment signature scalar': [
      'verifyPayment',
      { ...signedPayment, signature: { ...signedPayment.signature, scalar: plusOne(signedPayment.signature.scalar) } },
    ],
    'payment publicKey': ['verifyPayment', { ...signedPayment, publicKey: otherKey.publicKey }],
    'delegation delegate': ['verifyStakeDelegation', withData(signedDelegation, { to: key.publicKey })],
    'delegation fee': ['verifyStakeDelegation', withData(signedDelegation, { fee: '1' })],
    'payment checked as delegation': ['verifyStakeDelegation', signedPayment],
    'message text': ['verifyMessage', { ...signedMessage, data: 'negative test' }],
    'message publicKey': ['verifyMessage', { ...signedMessage, publicKey: otherKey.publicKey }],
    'fields element': ['verifyFields', { ...signedFields, data: [1n, 2n, 4n] }],
    'fields order': ['verifyFields', { ...signedFields, data: [3n, 2n, 1n] }],
    'fields extra element': ['verifyFields', { ...signedFields, data: [1n, 2n, 3n, 0n] }],
    'fields publicKey': ['verifyFields', { ...signedFields, publicKey: otherKey.publicKey }],
  };
  for (const [name, [method, tampered]] of Object.entries(cases)) {
    test(name, () => {
      assert.equal(testnet[method](tampered), false);
      assert.equal(reference[method](tampered), false, 'mina-signer agrees');
    });
  }

  test('the untampered objects do verify', () => {
    assert.equal(testnet.verifyPayment(signedPayment), true);
    assert.equal(testnet.verifyStakeDelegation(signedDelegation), true);
    assert.equal(testnet.verifyMessage(signedMessage), true);
    assert.equal(testnet.verifyFields(signedFields), true);
  });

  test('another network', () => {
    for (const network of ['mainnet', 'zeko', { custom: 'mina-l2' }]) {
      const other = new Client({ network });
      assert.equal(other.verifyPayment(signedPayment), false);
      assert.equal(other.verifyStakeDelegation(signedDelegation), false);
      assert.equal(other.verifyMessage(signedMessage), false);
      assert.equal(other.verifyTransaction(signedPayment), false);
    }
  });

  test('verifyTransaction', () => {
    assert.equal(testnet.verifyTransaction(withData(signedPayment, { amount: '1' })), false);
    assert.equal(testnet.verifyTransaction({ ...signedMessage, data: 'x' }), false);
    assert.equal(testnet.verifyTransaction(withData(signedDelegation, { nonce: '9' })), false);
  });
});

/** Asserts that `fn` throws an `Error` whose message matches `pattern`. */
function throwsNaming(fn, pattern) {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof Error, `not an Error: ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('malformed inputs throw an Error naming the field', () => {
  const sign = (changes) => () => testnet.signPayment({ ...PAYMENT, ...changes }, key.privateKey);
  const cases = {
    'bad base58 receiver': [sign({ to: corrupt(PAYMENT.to) }), /^to: invalid base58 checksum/],
    'non-base58 characters': [sign({ to: 'B62q0OIl' }), /^to: invalid base58 character/],
    'a private key as receiver': [sign({ to: key.privateKey }), /^to: wrong version byte/],
    'missing receiver': [sign({ to: undefined }), /^to: missing/],
    'memo of 33 bytes': [sign({ memo: 'x'.repeat(33) }), /^memo: .*33 UTF-8 bytes/],
    'memo of 17 two-byte characters': [sign({ memo: 'é'.repeat(17) }), /^memo: .*34 UTF-8 bytes/],
    'memo not a string': [sign({ memo: 42 }), /^memo: expected a string/],
    'amount 2^64': [sign({ amount: (2n ** 64n).toString() }), /^amount: 18446744073709551616 exceeds the maximum/],
    'amount 2^64 as bigint': [sign({ amount: 2n ** 64n }), /^amount: 18446744073709551616 exceeds the maximum/],
    'amount with a fraction': [sign({ amount: 1.5 }), /^amount: /],
    'amount not a number': [sign({ amount: 'lots' }), /^amount: "lots" is not an integer/],
    'amount beyond 2^53 as a number': [sign({ amount: 2 ** 60 }), /^amount: expected a safe integer \(at most 2\^53 - 1\), a bigint or a decimal string, got a larger number/],
    'amount NaN': [sign({ amount: NaN }), /^amount: expected a finite number/],
    'negative fee': [sign({ fee: -1 }), /^fee: /],
    'fee above 2^64': [sign({ fee: 2n ** 70n }), /^fee: .*exceeds the maximum/],
    'nonce 2^32': [sign({ nonce: 2 ** 32 }), /^nonce: 4294967296 exceeds the maximum 4294967295/],
    'validUntil 2^32': [sign({ validUntil: '4294967296' }), /^validUntil: .*exceeds the maximum/],
    'from not the signer': [sign({ from: otherKey.publicKey }), /^from: .* is not the public key of the signing private key/],
    'a function as fee': [sign({ fee: () => 1 }), /^fee: expected a JSON value, got a function/],
    'bad private key': [() => testnet.signPayment(PAYMENT, corrupt(key.privateKey)), /^privateKey: invalid base58 checksum/],
    'a public key as private key': [() => testnet.signPayment(PAYMENT, key.publicKey), /^privateKey: /],
    'private key not a string': [() => testnet.signMessage('x', 42), /^privateKey: expected a string, got a number/],
    'payment not an object': [() => testnet.signPayment('pay me', key.privateKey), /^payment: expected an object, got a string/],
    'delegation without fee': [
      () => testnet.signStakeDelegation({ ...DELEGATION, fee: undefined }, key.privateKey),
      /^fee: missing/,
    ],
    'message not a string': [() => testnet.signMessage({ text: 'hi' }, key.privateKey), /^message: expected a string, got an object/],
    'fields not an array': [() => testnet.signFields('1,2,3', key.privateKey), /^fields: expected an array/],
    'field element p': [() => testnet.signFields([1n, P], key.privateKey), /^fields: \[1\]: field element out of range/],
    'negative field element': [() => testnet.signFields([-1n], key.privateKey), /^fields: \[0\]: .*non-negative/],
    'field element a symbol': [() => testnet.signFields([Symbol('x')], key.privateKey), /^fields: \[0\]: expected a JSON value, got a symbol/],
    'derivePublicKey of garbage': [() => testnet.derivePublicKey('EKnotakey'), /^privateKey: /],
    'verifyKeypair of a wrong pair': [
      () => testnet.verifyKeypair({ privateKey: key.privateKey, publicKey: otherKey.publicKey }),
      /^Public key not derivable from private key$/,
    ],
    'verifyKeypair without publicKey': [() => testnet.verifyKeypair({ privateKey: key.privateKey }), /^publicKey: expected a string, got undefined/],
    'hashPayment of garbage': [() => testnet.hashPayment({ data: { ...PAYMENT, fee: 'x' } }), /fee: "x" is not an integer/],
    'hashPayment v1 without signature': [() => testnet.hashPayment({ data: PAYMENT }), /signature: missing/],
    'signTransaction of a number': [() => testnet.signTransaction(42, key.privateKey), /^payload: expected a message/],
    'signTransaction of a zkApp command': [
      () => testnet.signTransaction({ zkappCommand: {}, feePayer: {} }, key.privateKey),
      /zkApp commands are not supported/,
    ],
    'verifyTransaction of garbage': [() => testnet.verifyTransaction({ data: 42 }), /^signed: expected a signed message/],
  };
  for (const [name, [fn, pattern]] of Object.entries(cases)) {
    test(name, () => throwsNaming(fn, pattern));
  }

  test('a missing or unusable network', () => {
    throwsNaming(() => new Client(), /^network: missing/);
    throwsNaming(() => new Client({}), /^network: missing/);
    throwsNaming(() => new Client({ network: 5 }), /^network: not a name/);
    throwsNaming(() => new Client({ network: { custom: 5 } }), /^network: \{ custom \} is not a string/);
    throwsNaming(() => new Client({ network: '' }), /^network: invalid network name "": the name is empty/);
  });

  test('the client still works afterwards', () => {
    assert.deepEqual(testnet.signPayment(PAYMENT, key.privateKey), signedPayment);
    assert.deepEqual(testnet.signPayment(PAYMENT, key.privateKey), reference.signPayment(PAYMENT, key.privateKey));
  });
});

describe('verifying garbage answers false', () => {
  const cyclic = { signature: signedFields.signature, publicKey: key.publicKey };
  cyclic.data = [cyclic];
  let deep = [];
  for (let i = 0; i < 10_000; i++) deep = [deep];
  const garbage = [
    undefined,
    null,
    42,
    'signed',
    Symbol('signed'),
    () => true,
    [],
    {},
    { data: 'x' },
    { ...signedFields, signature: 'garbage' },
    { ...signedFields, signature: signedPayment.signature },
    { ...signedFields, publicKey: 'B62' },
    { ...signedFields, publicKey: undefined },
    { ...signedFields, data: 'not an array' },
    { ...signedFields, data: [1n, 2n, 2n ** 300n] },
    { ...signedFields, data: [1n, 2n, P] },
    { ...signedFields, data: [1n, 2n, -3n] },
    { ...signedFields, data: [1n, 2n, 'three'] },
    { ...signedFields, data: [1n, 2n, 3.5] },
    { ...signedFields, data: [1n, 2n, Symbol('3')] },
    { ...signedFields, data: [1n, 2n, { value: 3n }] },
    { ...signedFields, data: deep },
    cyclic,
  ];

  test('verifyFields', () => {
    for (const [i, value] of garbage.entries()) assert.equal(testnet.verifyFields(value), false, `garbage #${i}`);
  });

  test('verifyPayment, verifyStakeDelegation and verifyMessage', () => {
    const more = [
      ...garbage,
      withData(signedPayment, { amount: '-1' }),
      withData(signedPayment, { amount: (2n ** 64n).toString() }),
      withData(signedPayment, { memo: 'x'.repeat(33) }),
      withData(signedPayment, { to: corrupt(PAYMENT.to) }),
      { ...signedPayment, signature: { field: 'x', scalar: '1' } },
      { ...signedPayment, signature: { field: (2n ** 255n).toString(), scalar: '1' } },
      { ...signedPayment, signature: 'a string' },
      { ...signedMessage, data: 42 },
    ];
    for (const [i, value] of more.entries()) {
      assert.equal(testnet.verifyPayment(value), false, `payment garbage #${i}`);
      assert.equal(testnet.verifyStakeDelegation(value), false, `delegation garbage #${i}`);
      assert.equal(testnet.verifyMessage(value), false, `message garbage #${i}`);
    }
  });

  test('the stored vectors still verify afterwards', () => {
    for (const vector of VECTORS_LIST.filter((v) => v.network === 'testnet').slice(0, 20)) {
      const method = { payment: 'verifyPayment', delegation: 'verifyStakeDelegation', message: 'verifyMessage', fields: 'verifyFields' }[vector.kind];
      assert.equal(testnet[method](vector.signed), true, vector.name);
    }
  });
});
