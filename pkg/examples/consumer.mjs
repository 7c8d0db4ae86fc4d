// SPDX-License-Identifier: AGPL-3.0-or-later
//
// A consumer of @webfunctions/client: sign a payment, verify it, hash it.
// Build the package first (cargo xtask pkg), then: node pkg/examples/consumer.mjs
//
// In your own project, after `npm install @webfunctions/client`:
//   import Client from '@webfunctions/client';
import Client from '../dist/node/index.mjs';

const client = new Client({ network: 'testnet' });

const sender = client.genKeys();
const receiver = client.genKeys();

const signed = client.signPayment(
  {
    from: sender.publicKey,
    to: receiver.publicKey,
    amount: 1_500_000_000n, // 1.5 MINA in nanomina: bigint, number or decimal text
    fee: '10000000',
    nonce: 0,
    memo: 'hello from WebAssembly',
  },
  sender.privateKey,
);
console.log('signed payment:', JSON.stringify(signed, null, 2));

if (!client.verifyPayment(signed)) throw Error('the payment does not verify');
console.log('verifies on testnet:', client.verifyPayment(signed));
console.log('verifies on mainnet:', new Client({ network: 'mainnet' }).verifyPayment(signed));

console.log('transaction hash (v1):      ', client.hashPayment(signed));
console.log('transaction hash (berkeley):', client.hashPayment(signed, { berkeley: true }));

try {
  client.signPayment({ ...signed.data, memo: 'x'.repeat(33) }, sender.privateKey);
} catch (error) {
  console.log('a bad input throws an Error:', error.message);
}
