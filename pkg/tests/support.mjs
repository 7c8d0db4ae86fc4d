// SPDX-License-Identifier: AGPL-3.0-or-later
// Shared by the tests of @webfunctions/client: the built package, mina-signer and the vectors.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const NODE_ENTRY = new URL('../dist/node/index.mjs', import.meta.url);

if (!existsSync(NODE_ENTRY)) {
  throw Error(`${fileURLToPath(NODE_ENTRY)} is missing: build the package first with \`cargo xtask pkg\``);
}

export const { default: Client } = await import(NODE_ENTRY);
export { default as MinaSigner } from 'mina-signer';

const VECTORS = new URL('../../mina/vectors/mina-signer-4.0.0.json', import.meta.url);
export const { keys: KEYS, vectors: VECTORS_LIST } = JSON.parse(readFileSync(VECTORS, 'utf8'));

/** Returns `client(Impl, network)`, which makes one client per implementation and network. */
export function clients() {
  const made = new Map();
  return (Impl, network) => {
    if (!made.has(Impl)) made.set(Impl, new Map());
    const byNetwork = made.get(Impl);
    if (!byNetwork.has(network)) byNetwork.set(network, new Impl({ network }));
    return byNetwork.get(network);
  };
}

/** The Client methods for each kind of vector. */
export const METHODS = {
  payment: { sign: 'signPayment', verify: 'verifyPayment', hash: 'hashPayment' },
  delegation: { sign: 'signStakeDelegation', verify: 'verifyStakeDelegation', hash: 'hashStakeDelegation' },
  message: { sign: 'signMessage', verify: 'verifyMessage' },
  fields: { sign: 'signFields', verify: 'verifyFields' },
};
