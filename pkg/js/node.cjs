// SPDX-License-Identifier: AGPL-3.0-or-later
// @webfunctions/client for Node.js, as CommonJS: `const Client = require('@webfunctions/client')`
// (also `.Client` and `.default`, like mina-signer's CommonJS build).
'use strict';
const { Client } = require('./webfn_pkg.js');

module.exports = Client;
module.exports.Client = Client;
module.exports.default = Client;
