// SPDX-License-Identifier: AGPL-3.0-or-later
//
// Cross-check: let mina-signer (the reference implementation) verify
// signatures produced by another implementation, e.g. our Rust code.
//
// Input: a JSON array, read from the file named by argv[2] or from stdin.
// (A whole vectors file, i.e. an object with a `vectors` array, is accepted too.)
// Each item:
//   {
//     "network": "mainnet" | "testnet" | "devnet" | "<custom id>",
//     "kind":    "payment" | "delegation" | "message" | "fields",
//     "signed":  <signed object in mina-signer's shape; for "fields" the
//                 `data` is an array of decimal strings>,
//     "hash":    { "v1": "5J…", "berkeley": "5J…" }   // optional,
//                 payment / delegation only
//     "name":    "..."                                 // optional, for messages
//   }
// Each signature is verified with verifyPayment / verifyStakeDelegation /
// verifyMessage / verifyFields on a Client for the item's network; if `hash`
// is present it must equal hashPayment / hashStakeDelegation (v1 and berkeley).
//
// Output: one line per failure, then "N passed, M failed". Exit code 1 if any
// item failed (or the input could not be read), 0 otherwise.
//
// Usage:
//   node mina/vectors/crosscheck.mjs items.json
//   some-producer | node mina/vectors/crosscheck.mjs

import Client from 'mina-signer';
import { readFileSync } from 'node:fs';

function readInput() {
  const path = process.argv[2];
  const text = path && path !== '-' ? readFileSync(path, 'utf8') : readFileSync(0, 'utf8');
  const parsed = JSON.parse(text);
  if (Array.isArray(parsed)) return parsed;
  if (parsed && Array.isArray(parsed.vectors)) return parsed.vectors;
  throw Error('expected a JSON array (or an object with a "vectors" array)');
}

const clients = new Map();
function client(network) {
  if (!clients.has(network)) clients.set(network, new Client({ network }));
  return clients.get(network);
}

/** Returns a list of problems (empty if the item checks out). */
function check(item) {
  const { network, kind, signed, hash } = item;
  if (typeof network !== 'string') return ['missing or non-string "network"'];
  if (!signed || typeof signed !== 'object') return ['missing "signed"'];
  const c = client(network);
  const problems = [];
  let ok;
  let hashFn;
  switch (kind) {
    case 'payment':
      ok = c.verifyPayment(signed);
      hashFn = (opts) => c.hashPayment(signed, opts);
      break;
    case 'delegation':
      ok = c.verifyStakeDelegation(signed);
      hashFn = (opts) => c.hashStakeDelegation(signed, opts);
      break;
    case 'message':
      ok = c.verifyMessage(signed);
      break;
    case 'fields':
      if (!Array.isArray(signed.data)) return ['fields: "data" is not an array'];
      ok = c.verifyFields({ ...signed, data: signed.data.map((x) => BigInt(x)) });
      break;
    default:
      return [`unknown kind ${JSON.stringify(kind)}`];
  }
  if (ok !== true) problems.push('signature rejected by mina-signer');
  if (hash !== undefined) {
    if (!hashFn) {
      problems.push(`"hash" given for kind ${kind}`);
    } else {
      const v1 = hashFn();
      const berkeley = hashFn({ berkeley: true });
      if (hash.v1 !== v1) problems.push(`v1 hash ${hash.v1} != mina-signer ${v1}`);
      if (hash.berkeley !== berkeley)
        problems.push(`berkeley hash ${hash.berkeley} != mina-signer ${berkeley}`);
    }
  }
  return problems;
}

let items;
try {
  items = readInput();
} catch (e) {
  console.error(`crosscheck: cannot read input: ${e.message}`);
  process.exit(1);
}

let passed = 0;
let failed = 0;
items.forEach((item, i) => {
  let problems;
  try {
    problems = check(item ?? {});
  } catch (e) {
    problems = [`exception: ${e.message}`];
  }
  if (problems.length === 0) {
    passed++;
  } else {
    failed++;
    const label = item?.name ? ` ${item.name}` : '';
    console.log(`FAIL #${i}${label} [${item?.kind}/${item?.network}]: ${problems.join('; ')}`);
  }
});
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
