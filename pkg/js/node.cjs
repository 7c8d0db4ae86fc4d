// SPDX-License-Identifier: AGPL-3.0-or-later
// @webfunctions/client for Node.js, as CommonJS: `const Client = require('@webfunctions/client')`
// (also `.Client` and `.default`, like mina-signer's CommonJS build; `.zk` for credentials,
// `.prepareCall` for gated and paid calls).
'use strict';
const {
  Client, ZkProvingKey, zkCreateIdentity, zkIdentity, zkVerify, gatedPrepareCall, hpkeAnnounce,
} = require('./webfn_pkg.js');

const zk = Object.freeze({
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

function prepareCall(quote, request, options) {
  const key = options?.member?.provingKey;
  return key instanceof ZkProvingKey
    ? key.prepareCall(quote, request, options)
    : gatedPrepareCall(quote, request, options);
}

module.exports = Client;
module.exports.Client = Client;
module.exports.default = Client;
module.exports.zk = zk;
module.exports.ZkProvingKey = ZkProvingKey;
module.exports.prepareCall = prepareCall;
module.exports.hpkeAnnounce = hpkeAnnounce;
