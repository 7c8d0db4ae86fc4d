// SPDX-License-Identifier: AGPL-3.0-or-later
// @webfunctions/client for Node.js, as an ES module: `import Client from '@webfunctions/client'`.
// The wasm-bindgen module next to this file is CommonJS and instantiates the .wasm on load.
import bindings from './webfn_pkg.js';

export const {
  Client, ZkProvingKey, zkCreateIdentity, zkIdentity, zkVerify, gatedPrepareCall, hpkeAnnounce,
} = bindings;

/** Zero-knowledge credentials: the shapes of `webfn zk identity | prove | verify`. */
export const zk = Object.freeze({
  createIdentity: zkCreateIdentity,
  identity: zkIdentity,
  ProvingKey: ZkProvingKey,
  /** `provingKey`: a loaded ZkProvingKey, or the bytes of proving.key (with `provingKeyDigest`, `sha256:…`, to skip the point checks). */
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
 */
export function prepareCall(quote, request, options) {
  const key = options?.member?.provingKey;
  return key instanceof ZkProvingKey
    ? key.prepareCall(quote, request, options)
    : gatedPrepareCall(quote, request, options);
}

export default Client;
