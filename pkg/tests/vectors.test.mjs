// SPDX-License-Identifier: AGPL-3.0-or-later
//
// @webfunctions/client (the built pkg/dist/node) against mina-signer@4.0.0, on every vector
// of mina/vectors/mina-signer-4.0.0.json: the same signed objects (key order included), the
// same transaction hashes, each verifying the other's signatures.
//
//   cargo xtask pkg && node --test pkg/tests/

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Client, KEYS, METHODS, MinaSigner, VECTORS_LIST, clients } from './support.mjs';

const client = clients();

/** What a mina-signer user passes: field elements as bigints. */
function inputOf(vector) {
  return vector.kind === 'fields' ? vector.input.map(BigInt) : structuredClone(vector.input);
}

/** A signed object with bigint field elements as decimal text, as the vectors store them. */
function asStored(kind, signed) {
  return kind === 'fields' ? { ...signed, data: signed.data.map(String) } : signed;
}

/** The stored signed object with field elements as bigints, as mina-signer returns them. */
function withBigints(kind, signed) {
  return kind === 'fields' ? { ...signed, data: signed.data.map(BigInt) } : signed;
}

test('the vectors cover every kind and several networks', () => {
  const kinds = new Set(VECTORS_LIST.map((v) => v.kind));
  assert.deepEqual([...kinds].sort(), ['delegation', 'fields', 'message', 'payment']);
  assert.ok(new Set(VECTORS_LIST.map((v) => v.network)).size > 3);
  assert.ok(VECTORS_LIST.length >= 300, `only ${VECTORS_LIST.length} vectors`);
});

for (const kind of Object.keys(METHODS)) {
  const methods = METHODS[kind];
  describe(`${kind} vectors`, () => {
    for (const vector of VECTORS_LIST.filter((v) => v.kind === kind)) {
      test(vector.name, () => {
        const ours = client(Client, vector.network);
        const reference = client(MinaSigner, vector.network);
        const input = inputOf(vector);

        const signed = ours[methods.sign](input, vector.privateKey);
        assert.deepEqual(asStored(kind, signed), vector.signed);
        assert.equal(JSON.stringify(asStored(kind, signed)), JSON.stringify(vector.signed), 'key order');
        if (kind === 'fields') assert.equal(signed.data, input, 'data is the array that was passed');

        assert.equal(ours[methods.verify](vector.signed), true, 'verifies the stored object');
        assert.equal(ours[methods.verify](withBigints(kind, vector.signed)), true, 'verifies with bigints');
        assert.equal(reference[methods.verify](withBigints(kind, signed)), true, 'mina-signer verifies ours');

        if (vector.hash) {
          assert.equal(ours[methods.hash](vector.signed), vector.hash.v1);
          assert.equal(ours[methods.hash](vector.signed, { berkeley: true }), vector.hash.berkeley);
          assert.equal(ours[methods.hash](signed, { berkeley: false }), vector.hash.v1);
        }
        if (kind !== 'fields') {
          assert.deepEqual(ours.signTransaction(input, vector.privateKey), vector.signed, 'signTransaction');
          assert.equal(ours.verifyTransaction(vector.signed), true, 'verifyTransaction');
        }
      });
    }
  });
}

describe('keys', () => {
  const ours = new Client({ network: 'mainnet' });
  const reference = new MinaSigner({ network: 'mainnet' });

  test('derivePublicKey matches every key of the vectors', () => {
    for (const key of KEYS) {
      assert.equal(ours.derivePublicKey(key.privateKey), key.publicKey, key.name);
      assert.equal(ours.verifyKeypair({ privateKey: key.privateKey, publicKey: key.publicKey }), true);
    }
  });

  test('genKeys makes fresh keys that mina-signer accepts', () => {
    const first = ours.genKeys();
    const second = ours.genKeys();
    assert.notEqual(first.privateKey, second.privateKey);
    assert.deepEqual(Object.keys(first), ['privateKey', 'publicKey']);
    assert.equal(reference.derivePublicKey(first.privateKey), first.publicKey);
    assert.equal(reference.verifyKeypair(first), true);
    assert.equal(ours.verifyKeypair(first), true);
  });
});

describe('networks', () => {
  const [payment] = VECTORS_LIST.filter((v) => v.kind === 'payment' && v.network === 'testnet');
  const sign = (network) => new Client({ network }).signPayment(payment.input, payment.privateKey);

  test('networkId returns the option as given', () => {
    assert.equal(new Client({ network: 'devnet' }).networkId, 'devnet');
    const custom = { custom: 'zeko' };
    assert.equal(new Client({ network: custom }).networkId, custom);
    assert.equal(new MinaSigner({ network: custom }).networkId, custom);
  });

  test('devnet is testnet, { custom } is the bare name, as in mina-signer', () => {
    assert.deepEqual(sign('devnet'), sign('testnet'));
    assert.deepEqual(sign({ custom: 'zeko' }), sign('zeko'));
    assert.deepEqual(sign({ custom: 'zeko' }), new MinaSigner({ network: { custom: 'zeko' } }).signPayment(payment.input, payment.privateKey));
    assert.notDeepEqual(sign('mainnet'), sign('testnet'));
  });

  test('fields are signed for devnet whatever the network, as in mina-signer', () => {
    const [fields] = VECTORS_LIST.filter((v) => v.kind === 'fields' && v.network === 'mainnet');
    const signed = new Client({ network: 'mainnet' }).signFields(fields.input.map(BigInt), fields.privateKey);
    assert.equal(signed.signature, fields.signed.signature);
    assert.equal(new Client({ network: 'testnet' }).verifyFields(signed), true);
  });
});

describe('inputs as mina-signer users write them', () => {
  const [payment] = VECTORS_LIST.filter((v) => v.name === 'payment/testnet/json-numbers');
  const ours = new Client({ network: 'testnet' });
  const reference = new MinaSigner({ network: 'testnet' });

  test('bigints, numbers and strings sign alike', () => {
    for (const convert of [BigInt, Number, String]) {
      const input = { ...payment.input };
      for (const name of ['amount', 'fee', 'nonce', 'validUntil']) {
        if (name in input) input[name] = convert(input[name]);
      }
      assert.deepEqual(ours.signPayment(input, payment.privateKey), reference.signPayment(input, payment.privateKey), convert.name);
    }
  });

  test('fields given as text, bigints or small numbers sign alike', () => {
    const [vector] = VECTORS_LIST.filter((v) => v.name === 'fields/testnet/small-sequence');
    const asText = ours.signFields([...vector.input], vector.privateKey);
    const asNumbers = ours.signFields(vector.input.map(Number), vector.privateKey);
    assert.equal(asText.signature, vector.signed.signature);
    assert.equal(asNumbers.signature, vector.signed.signature);
  });
});
