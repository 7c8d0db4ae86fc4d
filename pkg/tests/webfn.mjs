// SPDX-License-Identifier: AGPL-3.0-or-later
// The native `webfn` binary for cross-checks of the package's zk API: development keys from
// `webfn zk setup` and `webfn zk prove | verify` on the same objects.
//
// The binary is $WEBFN_BIN, else debug/webfn in the workspace's target folder
// ($CARGO_TARGET_DIR or cargo metadata's), built with `cargo build -p webfn` if missing.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function targetDir() {
  if (process.env.CARGO_TARGET_DIR) return process.env.CARGO_TARGET_DIR;
  const run = spawnSync('cargo', ['metadata', '--format-version', '1', '--no-deps', '--offline'], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20,
  });
  assert.equal(run.status, 0, `cargo metadata failed:\n${run.stderr}`);
  return JSON.parse(run.stdout).target_directory;
}

/** Path of the webfn binary, building it once if needed. */
export function webfnBinary() {
  if (process.env.WEBFN_BIN) return process.env.WEBFN_BIN;
  const path = join(targetDir(), 'debug', 'webfn');
  if (!existsSync(path)) {
    const build = spawnSync('cargo', ['build', '--locked', '-p', 'webfn', '--bin', 'webfn'], {
      cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'],
    });
    assert.equal(build.status, 0, 'cargo build -p webfn failed');
  }
  return path;
}

/** Runs `webfn args…` with `input` on stdin: `{ status, stdout, stderr }`. */
export function webfn(args, input = '') {
  const run = spawnSync(webfnBinary(), args, { input, encoding: 'utf8' });
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout.trim(), stderr: run.stderr.trim() };
}

/**
 * Development keys from `webfn zk setup --seed` in a new temporary folder:
 * `{ dir, provingKey, verifyingKey, provingKeyDigest, verifyingKeyDigest }` (keys as bytes).
 */
export function setupKeys(seed = '11'.repeat(32)) {
  const dir = join(mkdtempSync(join(tmpdir(), 'webfn-zk-')), 'keys');
  const run = webfn(['zk', 'setup', '--out', dir, '--seed', seed]);
  assert.equal(run.status, 0, `webfn zk setup failed:\n${run.stderr}`);
  const digests = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8'));
  return {
    dir,
    provingKey: new Uint8Array(readFileSync(join(dir, 'proving.key'))),
    verifyingKey: new Uint8Array(readFileSync(join(dir, 'verifying.key'))),
    provingKeyDigest: digests.provingKey,
    verifyingKeyDigest: digests.verifyingKey,
  };
}

/** `webfn zk verify --keys dir` of a credential object: `{ status, stdout }`. */
export function nativeVerify(dir, credential) {
  return webfn(['zk', 'verify', '--keys', dir], JSON.stringify(credential));
}

/** `webfn zk prove --keys dir` of a request: the credential object. */
export function nativeProve(dir, request) {
  const run = webfn(['zk', 'prove', '--keys', dir], JSON.stringify(request));
  assert.equal(run.status, 0, `webfn zk prove failed:\n${run.stderr}`);
  return JSON.parse(run.stdout);
}
