// SPDX-License-Identifier: AGPL-3.0-or-later
// @webfunctions/client for browsers and bundlers, as an ES module. Importing it fetches and
// instantiates webfn_pkg_bg.wasm (next to this file) before the import completes, so `Client`
// is ready to use like mina-signer's. To prove off the main thread, see `./zk-prover.js`.
import init, {
  Client, ZkProvingKey, zkCreateIdentity, zkIdentity, zkVerify, gatedPrepareCall,
} from './webfn_pkg.js';

await init();

/** Zero-knowledge credentials: the shapes of `webfn zk identity | prove | verify`. */
export const zk = Object.freeze({
  createIdentity: zkCreateIdentity,
  identity: zkIdentity,
  ProvingKey: ZkProvingKey,
  prove({ provingKey, provingKeyDigest, ...request }) {
    if (provingKey instanceof ZkProvingKey) return provingKey.prove(request);
    const key = ZkProvingKey.load(provingKey, provingKeyDigest);
    try {
      return key.prove(request);
    } finally {
      key.free();
    }
  },
  verify: zkVerify,
});

/**
 * The body of `POST /v1/calls` for a quote: secrets sealed to the quoted provider, the payment
 * signed to it, membership proved with `options.member.provingKey` (a loaded ZkProvingKey).
 * Proving takes seconds on the calling thread: call it from a worker to keep a page responsive.
 */
export function prepareCall(quote, request, options) {
  const key = options?.member?.provingKey;
  return key instanceof ZkProvingKey
    ? key.prepareCall(quote, request, options)
    : gatedPrepareCall(quote, request, options);
}

export * from './webfn_pkg.js';
export { Client };
export default Client;
