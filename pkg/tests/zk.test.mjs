// SPDX-License-Identifier: AGPL-3.0-or-later
//
// The package's zero-knowledge credentials against the native `webfn zk`: proofs made in
// WebAssembly verify natively and the reverse, with keys from `webfn zk setup`; tampered
// public inputs, proofs under other keys and malformed objects are refused on both sides.
//
//   cargo xtask pkg && node --test pkg/tests/

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { DIST } from './support.mjs';
import { nativeProve, nativeVerify, setupKeys, webfn } from './webfn.mjs';

const { zk, ZkProvingKey } = await import(new URL('node/index.mjs', `file://${DIST}`));

const SCOPE = '2026';
const MESSAGE = '123456789';

describe('zk in WebAssembly against webfn zk', () => {
  let keys;
  let otherKeys;
  let key;
  let alice;
  let group;
  let wasmProof;
  let nativeProof;

  before(() => {
    keys = setupKeys('11'.repeat(32));
    otherKeys = setupKeys('22'.repeat(32));
    key = zk.ProvingKey.load(keys.provingKey, keys.provingKeyDigest);
    alice = zk.createIdentity();
    group = [zk.createIdentity().commitment, alice.commitment, zk.createIdentity().commitment];
    wasmProof = zk.prove({ provingKey: key, secret: alice.secret, group, scope: SCOPE, message: MESSAGE });
    nativeProof = nativeProve(keys.dir, { secret: alice.secret, group, scope: SCOPE, message: MESSAGE });
  });

  test('identities: fresh ones differ, a known secret gives webfn\'s commitment', () => {
    const run = webfn(['zk', 'identity']);
    assert.equal(run.status, 0);
    const native = JSON.parse(run.stdout);
    assert.deepEqual(zk.identity(native.secret), native);
    assert.deepEqual(zk.identity(BigInt(native.secret)), native);
    assert.match(alice.secret, /^[1-9]\d*$/);
    assert.notEqual(zk.createIdentity().secret, alice.secret);
  });

  test('a loaded key knows its digest and its verifying key', () => {
    assert.equal(key.digest, keys.provingKeyDigest);
    assert.deepEqual(key.verifyingKey(), keys.verifyingKey);
  });

  test('a proof made in WebAssembly has the JSON shape of webfn zk prove and verifies natively', () => {
    assert.deepEqual(Object.keys(wasmProof), ['proof', 'publicInputs']);
    assert.match(wasmProof.proof, /^[0-9a-f]{384}$/);
    // same statement, same public inputs (the proofs themselves are randomized)
    assert.deepEqual(wasmProof.publicInputs, nativeProof.publicInputs);
    assert.deepEqual(nativeVerify(keys.dir, wasmProof), { status: 0, stdout: 'valid', stderr: '' });
    assert.equal(zk.verify(keys.verifyingKey, wasmProof), true);
  });

  test('a proof made natively verifies in WebAssembly', () => {
    assert.equal(zk.verify(keys.verifyingKey, nativeProof), true);
  });

  test('zk.prove also takes the key\'s bytes and its digest', () => {
    const outsider = zk.createIdentity();
    const request = { secret: outsider.secret, group, scope: SCOPE, message: MESSAGE };
    // loads the key (pinned), then refuses the request before proving
    assert.throws(() => zk.prove({ ...request, provingKey: keys.provingKey, provingKeyDigest: keys.provingKeyDigest }), /not in the group/);
    assert.throws(() => zk.prove({ ...request, provingKey: keys.provingKey, provingKeyDigest: otherKeys.provingKeyDigest }), /digest/);
  });

  for (const input of ['root', 'nullifier', 'message', 'scope']) {
    test(`an altered ${input} is refused on both sides`, () => {
      for (const credential of [wasmProof, nativeProof]) {
        const value = BigInt(credential.publicInputs[input]) + 1n;
        const altered = {
          ...credential,
          publicInputs: { ...credential.publicInputs, [input]: value.toString() },
        };
        assert.equal(zk.verify(keys.verifyingKey, altered), false);
        const native = nativeVerify(keys.dir, altered);
        assert.equal(native.status, 1);
        assert.match(native.stdout, /^invalid: the proof does not verify/);
      }
    });
  }

  test('a proof is refused under another key, on both sides', () => {
    assert.equal(zk.verify(otherKeys.verifyingKey, wasmProof), false);
    assert.equal(nativeVerify(otherKeys.dir, wasmProof).status, 1);
    assert.equal(zk.verify(otherKeys.verifyingKey, nativeProof), false);
  });

  test('swapped proof points are refused', () => {
    const hex = wasmProof.proof;
    const swapped = { ...wasmProof, proof: hex.slice(288) + hex.slice(96, 288) + hex.slice(0, 96) };
    assert.equal(zk.verify(keys.verifyingKey, swapped), false);
    assert.equal(nativeVerify(keys.dir, swapped).status, 1);
  });

  test('malformed proofs throw with the reason, as webfn zk verify says it', () => {
    const cases = [
      [wasmProof.proof.slice(0, 382), /192/],
      [`${wasmProof.proof}00`, /192/],
      ['zz'.repeat(192), /hex|Invalid character/i],
      [`c0${'00'.repeat(47)}${wasmProof.proof.slice(96)}`, /A/],
    ];
    for (const [proof, reason] of cases) {
      const credential = { ...wasmProof, proof };
      assert.throws(() => zk.verify(keys.verifyingKey, credential), reason);
      const native = nativeVerify(keys.dir, credential);
      assert.equal(native.status, 1);
      assert.match(native.stdout, /^invalid: /);
    }
    assert.throws(() => zk.verify(keys.verifyingKey, { ...wasmProof, extra: 1 }), /unknown field/);
    assert.throws(() => zk.verify(keys.verifyingKey, {
      ...wasmProof, publicInputs: { ...wasmProof.publicInputs, scope: '02026' },
    }), /scope|field element/);
  });

  test('bad keys and bad requests throw', () => {
    assert.throws(() => zk.ProvingKey.load(keys.provingKey, otherKeys.provingKeyDigest), /digest/);
    assert.throws(() => zk.ProvingKey.load(keys.provingKey.subarray(0, 1000), keys.provingKeyDigest));
    assert.throws(() => zk.ProvingKey.load(keys.verifyingKey, keys.verifyingKeyDigest));
    assert.throws(() => zk.verify(keys.provingKey.subarray(0, 1204), wasmProof));
    const outsider = zk.createIdentity();
    assert.throws(
      () => key.prove({ secret: outsider.secret, group, scope: SCOPE, message: MESSAGE }),
      /not in the group/,
    );
    assert.throws(() => key.prove({ secret: alice.secret, group, scope: -1, message: MESSAGE }), /scope/);
    assert.throws(() => key.prove({ secret: alice.secret, group: 'x', scope: SCOPE, message: MESSAGE }), /group/);
    assert.throws(
      () => key.prove({ secret: alice.secret, group: [...group, '0x12'], scope: SCOPE, message: MESSAGE }),
      /group\[3\]/,
    );
    assert.equal(typeof ZkProvingKey.load, 'function');
  });
});
