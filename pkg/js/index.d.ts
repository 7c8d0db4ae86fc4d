// SPDX-License-Identifier: AGPL-3.0-or-later
// Types of @webfunctions/client: the generated declarations (the Client class and the types
// NetworkId, Payment, SignedLegacy, ...) with Client as the default export.
export * from './webfn_pkg.js';
export { Client as default } from './webfn_pkg.js';
