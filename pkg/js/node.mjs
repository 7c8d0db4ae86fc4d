// SPDX-License-Identifier: AGPL-3.0-or-later
// @webfunctions/client for Node.js, as an ES module: `import Client from '@webfunctions/client'`.
// The wasm-bindgen module next to this file is CommonJS and instantiates the .wasm on load.
import bindings from './webfn_pkg.js';

export const { Client } = bindings;
export default Client;
