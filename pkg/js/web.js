// SPDX-License-Identifier: AGPL-3.0-or-later
// @webfunctions/client for browsers and bundlers, as an ES module. Importing it fetches and
// instantiates webfn_pkg_bg.wasm (next to this file) before the import completes, so `Client`
// is ready to use like mina-signer's.
import init, { Client } from './webfn_pkg.js';

await init();

export * from './webfn_pkg.js';
export { Client };
export default Client;
