// SPDX-License-Identifier: AGPL-3.0-or-later
//
// The built package as a consumer sees it: the example runs, the TypeScript declarations and
// package.json are there and consistent, `import` and `require` of the package name work, and
// the browser build works once given its .wasm.
//
//   cargo xtask pkg && node --test pkg/tests/

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Client, DIST } from './support.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NAME = '@webfunctions/client';
const manifest = JSON.parse(readFileSync(join(DIST, 'package.json'), 'utf8'));
const hasWeb = existsSync(join(DIST, 'web'));

/** Runs a Node.js script; returns its stdout, failing on a non-zero exit. */
function node(args, cwd = ROOT) {
  const run = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  assert.equal(run.status, 0, `node ${args.join(' ')} failed:\n${run.stderr}`);
  return run.stdout;
}

test('the consumer example signs, verifies and hashes a payment', () => {
  const out = node(['pkg/examples/consumer.mjs']);
  assert.match(out, /verifies on testnet: true/);
  assert.match(out, /verifies on mainnet: false/);
  assert.match(out, /transaction hash \(v1\): +5J\w{50}/);
  assert.match(out, /transaction hash \(berkeley\): 5J\w{50}/);
  assert.match(out, /a bad input throws an Error: memo: /);
});

describe('TypeScript declarations', () => {
  const flavours = hasWeb ? ['node', 'web'] : ['node'];

  test('are shipped for every entry point', () => {
    const entries = ['node/index.d.ts', 'node/index.d.mts', ...(hasWeb ? ['web/index.d.ts'] : [])];
    for (const entry of entries) {
      const text = readFileSync(join(DIST, entry), 'utf8');
      assert.match(text, /export \{ Client as default \} from '\.\/webfn_pkg\.js';/, entry);
    }
  });

  test('declare the Client with mina-signer\'s method names and exact types', () => {
    for (const flavour of flavours) {
      const dts = readFileSync(join(DIST, flavour, 'webfn_pkg.d.ts'), 'utf8');
      assert.match(dts, /export class Client \{/);
      assert.match(dts, /constructor\(options: ClientOptions\);/);
      assert.match(dts, /readonly networkId: NetworkId;/);
      assert.match(dts, /signPayment\(payment: Payment, privateKey: PrivateKey\): SignedLegacy<PaymentJson>;/);
      assert.match(dts, /signFields\(fields: Field\[\], privateKey: PrivateKey\): Signed<Field\[\]>;/);
      assert.match(dts, /hashPayment\(signed: SignedLegacy<Payment>, options\?: HashOptions\): string;/);
      for (const method of [
        'genKeys', 'derivePublicKey', 'verifyKeypair', 'verifyPayment', 'signStakeDelegation',
        'verifyStakeDelegation', 'signMessage', 'verifyMessage', 'verifyFields', 'signTransaction',
        'verifyTransaction', 'hashStakeDelegation',
      ]) {
        assert.match(dts, new RegExp(`\\n\\s+${method}\\(`), `${flavour}: ${method}`);
      }
      for (const type of ['NetworkId', 'Payment', 'StakeDelegation', 'SignedLegacy<T>', 'Signed<T>', 'Keypair']) {
        assert.match(dts, new RegExp(`export (type|interface) ${type.replace(/[<>]/g, '\\$&')}`), type);
      }
      const classBody = dts.slice(dts.indexOf('export class Client {'), dts.indexOf('\n}', dts.indexOf('export class Client {')));
      assert.doesNotMatch(classBody, /\bany\b/, `${flavour}: no any in Client`);
    }
  });

  test('declare prepareCall and the shapes of gated calls', () => {
    for (const flavour of flavours) {
      const index = readFileSync(join(DIST, flavour, 'index.d.ts'), 'utf8');
      assert.match(index, /export declare function prepareCall\(\s*quote: Quote, request: CallRequest, options\?: PrepareCallOptions,\s*\): GatedCall;/);
      const dts = readFileSync(join(DIST, flavour, 'webfn_pkg.d.ts'), 'utf8');
      assert.match(dts, /export function hpkeAnnounce\(privateKey: PrivateKey\): HpkeKey;/);
      assert.match(dts, /prepareCall\(quote: Quote, request: CallRequest, options\?: PrepareCallOptions\): GatedCall;/);
      for (const type of ['Quote', 'CallRequest', 'CallPayer', 'CallMember', 'PrepareCallOptions', 'GatedCall', 'GateError', 'ErrorCode', 'HpkeKey']) {
        assert.match(dts, new RegExp(`export (type|interface) ${type}\\b`), `${flavour}: ${type}`);
      }
    }
  });
});

describe('package.json', () => {
  test('names the package, its version and license', () => {
    const workspace = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8');
    const version = workspace.match(/\[workspace\.package\][^[]*?\nversion = "([^"]+)"/)?.[1];
    assert.equal(manifest.name, NAME);
    assert.equal(manifest.version, version);
    assert.equal(manifest.license, 'AGPL-3.0-or-later');
    assert.equal(manifest.type, 'module');
  });

  test('lists node before the browser and default conditions, and every file exists', () => {
    const conditions = manifest.exports['.'];
    assert.equal(Object.keys(conditions)[0], 'node');
    assert.equal(Object.keys(conditions).at(-1), 'default');
    const paths = [manifest.main, manifest.types, manifest.module].filter(Boolean);
    const collect = (value) =>
      typeof value === 'string' ? paths.push(value) : Object.values(value).forEach(collect);
    collect(manifest.exports);
    for (const path of paths) assert.ok(existsSync(join(DIST, path)), `${path} is missing`);
    for (const file of manifest.files) assert.ok(existsSync(join(DIST, file)), `${file} is missing`);
  });
});

describe(`installed as ${NAME}`, () => {
  const project = mkdtempSync(join(tmpdir(), 'webfn-consumer-'));
  mkdirSync(join(project, 'node_modules', '@webfunctions'), { recursive: true });
  symlinkSync(DIST, join(project, 'node_modules', '@webfunctions', 'client'), 'dir');
  after(() => rmSync(project, { recursive: true, force: true }));

  const check = `
    const keys = client.genKeys();
    const signed = client.signMessage('hello', keys.privateKey);
    if (!client.verifyMessage(signed)) throw Error('does not verify');
    console.log(client.networkId, signed.publicKey === keys.publicKey);`;

  test('import (ES module)', () => {
    writeFileSync(
      join(project, 'esm.mjs'),
      `import Client, { Client as Named } from '${NAME}';
       if (Client !== Named) throw Error('default and named exports differ');
       const client = new Client({ network: 'mainnet' });${check}`,
    );
    assert.equal(node(['esm.mjs'], project), 'mainnet true\n');
  });

  test('the web bindings, instantiated by hand', { skip: !hasWeb }, () => {
    writeFileSync(
      join(project, 'manual.mjs'),
      `import { readFileSync } from 'node:fs';
       import { Client, initSync } from '${NAME}/web/webfn_pkg.js';
       const wasm = new URL('webfn_pkg_bg.wasm', import.meta.resolve('${NAME}/web/webfn_pkg.js'));
       initSync({ module: readFileSync(wasm) });
       const client = new Client({ network: 'devnet' });${check}`,
    );
    assert.equal(node(['manual.mjs'], project), 'devnet true\n');
  });

  test('require (CommonJS), shaped like mina-signer\'s', () => {
    writeFileSync(
      join(project, 'cjs.cjs'),
      `const Client = require('${NAME}');
       if (Client.Client !== Client || Client.default !== Client) throw Error('exports differ');
       if (typeof Client.prepareCall !== 'function' || typeof Client.hpkeAnnounce !== 'function') throw Error('no prepareCall');
       const client = new Client({ network: 'testnet' });${check}`,
    );
    assert.equal(node(['cjs.cjs'], project), 'testnet true\n');
  });
});

test('the browser build fetches its .wasm on import and signs like the Node.js one', { skip: !hasWeb }, async () => {
  // Node.js cannot fetch file: URLs, which is what the web build asks for next to its module
  const realFetch = globalThis.fetch;
  const fetched = [];
  globalThis.fetch = async (url) => {
    fetched.push(String(url));
    const body = readFileSync(fileURLToPath(url));
    return new Response(body, { headers: { 'Content-Type': 'application/wasm' } });
  };
  let web;
  try {
    web = await import(new URL('../dist/web/index.js', import.meta.url));
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.deepEqual(fetched.map((url) => url.split('/').slice(-2).join('/')), ['web/webfn_pkg_bg.wasm']);
  assert.equal(web.default, web.Client);
  const fromWeb = new web.default({ network: 'testnet' });
  const fromNode = new Client({ network: 'testnet' });
  const { privateKey, publicKey } = fromNode.genKeys();
  const payment = { to: publicKey, from: publicKey, amount: 1n, fee: 2n, nonce: 3n };
  assert.deepEqual(fromWeb.signPayment(payment, privateKey), fromNode.signPayment(payment, privateKey));
  assert.equal(fromWeb.derivePublicKey(privateKey), publicKey);

  // gated and paid calls: the same call (payment signatures are deterministic)
  const node = await import(new URL('../dist/node/index.mjs', import.meta.url));
  const quote = {
    job_id: 'job-1', function: 'hello', provider: publicKey, hpke: web.hpkeAnnounce(privateKey), price: 5,
    network: 'testnet', expires_at: 4_000_000_000, access: { kind: 'open' },
  };
  assert.deepEqual(quote.hpke, node.hpkeAnnounce(privateKey));
  const options = { payer: { privateKey, fee: 1, nonce: 0 } };
  const request = { method: 'GET', path: '/' };
  assert.deepEqual(web.prepareCall(quote, request, options), node.prepareCall(quote, request, options));
  assert.throws(() => web.prepareCall(quote, request), (e) => e.code === 'payment_required');
});
