// SPDX-License-Identifier: AGPL-3.0-or-later
//
// Proving in headless Chromium: the page proves in the package's Web Worker, on a
// cross-origin isolated page (threads when the threaded build is shipped) and on a plain one
// (one thread); each proof verifies with the native `webfn zk verify`. The proving key is
// fetched once: a second worker of the same origin takes it from the Cache API.
//
//   cargo xtask pkg && node --test e2e/

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { nativeVerify, setupKeys, webfn } from '../pkg/tests/webfn.mjs';
import { launch } from './browser.mjs';
import { startServer } from './server.mjs';

const THREADS = existsSync(new URL('../pkg/dist/threads/webfn_pkg.js', import.meta.url));

function identity() {
  const run = webfn(['zk', 'identity']);
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

describe('proving in headless Chromium', () => {
  let keys;
  let server;
  let browser;
  let request;

  before(async () => {
    keys = setupKeys('33'.repeat(32));
    server = await startServer({ keys: keys.dir });
    browser = await launch();
    const [alice, bob] = [identity(), identity()];
    request = { secret: alice.secret, group: [bob.commitment, alice.commitment], scope: '2026', message: '42' };
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const isolated of [false, true]) {
    test(`a ${isolated ? 'cross-origin isolated' : 'plain'} page proves in the worker; the proof verifies natively`, async () => {
      const page = await browser.page(`${server.url}${isolated ? 'coi/' : ''}e2e/page.html`);
      const keyUrl = `${server.url}${isolated ? 'coi/' : ''}keys/proving.key`;
      await page.evaluate(() => window.webfnClearKeyCache());
      const run = (requests) => page.evaluate(
        (args) => window.webfnProve(args),
        { keyUrl, keyDigest: keys.provingKeyDigest, requests },
      );
      const first = await run([request]);
      assert.equal(first.crossOriginIsolated, isolated);
      const [{ credential, timings }] = first.results;
      // threads where isolated and the threaded build is shipped, one thread elsewhere
      assert.equal(timings.threads > 1, isolated && THREADS, `threads: ${timings.threads}`);
      assert.equal(timings.threadsFailed, undefined);
      assert.equal(timings.keyFromCache, false);
      assert.deepEqual(nativeVerify(keys.dir, credential), { status: 0, stdout: 'valid', stderr: '' });
      const altered = { ...credential, publicInputs: { ...credential.publicInputs, message: '43' } };
      assert.equal(nativeVerify(keys.dir, altered).status, 1);

      // a digest the key does not have is refused (cached copy dropped, fetched again, refused)
      const second = await page.evaluate(
        (args) => window.webfnProve(args),
        { keyUrl, keyDigest: keys.verifyingKeyDigest, requests: [request] },
      ).catch((error) => error);
      assert.match(String(second), /digest/);
      await page.close();
    });
  }

  test('the key is fetched once and then taken from the Cache API', async () => {
    const page = await browser.page(`${server.url}e2e/page.html`);
    const keyUrl = `${server.url}keys/proving.key`;
    await page.evaluate(() => window.webfnClearKeyCache());
    const load = () => page.evaluate(async (args) => {
      const { ZkProver } = await import('../pkg/dist/web/zk-prover.js');
      const prover = new ZkProver(args);
      await prover.load();
      prover.terminate();
      return prover.timings;
    }, { keyUrl, keyDigest: keys.provingKeyDigest });
    assert.equal((await load()).keyFromCache, false);
    assert.equal((await load()).keyFromCache, true);
    await page.close();
  });
});
