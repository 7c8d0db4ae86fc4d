// SPDX-License-Identifier: AGPL-3.0-or-later
// @webfunctions/client for Node.js, as an ES module: `import Client from '@webfunctions/client'`.
// The wasm-bindgen module next to this file is CommonJS and instantiates the .wasm on load.
import bindings from './webfn_pkg.js';

export const { Client, ZkProvingKey, zkCreateIdentity, zkIdentity, zkVerify } = bindings;

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

export default Client;
