// SPDX-License-Identifier: AGPL-3.0-or-later
// A small static server on 127.0.0.1 for the browser tests and benchmarks: the built package
// (pkg/dist/), the test page (e2e/), snarkjs's browser build, a folder of proving keys under
// /keys/ and a folder of benchmark artifacts under /bench/. Every path also exists under
// /coi/, served with COOP/COEP headers so that the page is cross-origin isolated there
// (SharedArrayBuffer, threads) and not elsewhere.
//
//   node e2e/server.mjs --keys DIR [--bench DIR] [--port 8080]

import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Folders of the workspace the server shows; nothing else. */
const PUBLIC = ['pkg/dist/', 'e2e/', 'node_modules/snarkjs/build/'];
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

function inside(base, relative) {
  const path = resolve(base, `.${sep}${normalize(relative)}`);
  return path.startsWith(resolve(base) + sep) ? path : undefined;
}

/** Maps a URL path to a file, or undefined. */
function file(path, { keys, bench }) {
  for (const [prefix, base] of [['/keys/', keys], ['/bench/', bench]]) {
    if (path.startsWith(prefix)) return base && inside(base, path.slice(prefix.length));
  }
  const relative = path.slice(1);
  return PUBLIC.some((p) => relative.startsWith(p)) ? inside(ROOT, relative) : undefined;
}

/** Starts the server: `{ url, close() }` (`url` ends with a slash). */
export function startServer({ keys, bench, port = 0 } = {}) {
  const server = createServer((request, response) => {
    let path = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    const headers = { 'cache-control': 'no-store' };
    if (path.startsWith('/coi/')) {
      path = path.slice(4);
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    const found = file(path, { keys, bench });
    let size;
    try {
      size = found && statSync(found).isFile() ? statSync(found).size : undefined;
    } catch {
      size = undefined;
    }
    if (request.method !== 'GET' || size === undefined) {
      response.writeHead(request.method === 'GET' ? 404 : 405, headers).end();
      return;
    }
    headers['content-type'] = TYPES[extname(found)] ?? 'application/octet-stream';
    headers['content-length'] = size;
    response.writeHead(200, headers);
    createReadStream(found).pipe(response);
  });
  return new Promise((ready) => {
    server.listen(port, '127.0.0.1', () => {
      ready({
        url: `http://127.0.0.1:${server.address().port}/`,
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const { url } = await startServer({
    keys: arg('--keys'), bench: arg('--bench'), port: Number(arg('--port') ?? 8080),
  });
  console.log(`serving on ${url} (cross-origin isolated under ${url}coi/)`);
}
