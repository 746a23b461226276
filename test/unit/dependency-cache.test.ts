// The dependency caches' rules (core/dependency-cache.ts): which names are cache entries, and
// which files a commit's lock files vouch for — cargo's crates and pip's cached responses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { encode } from '@msgpack/msgpack';
import { CARGO, PIP, lockedChecksums, pinnedHashes } from '../../core/dependency-cache.ts';

const cacheEntryProblem = (dir: unknown, file: unknown) => CARGO.entryProblem(dir, file);
const vouchedFor = (locked: Set<string>, file: string, sha256: string) => CARGO.judge(locked, { dir: 'd', file, sha256, bytes: Buffer.alloc(0) }, () => '') === 'keep';
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

test('cache entries are <registry folder>/<name>-<version>.crate and nothing else', () => {
  assert.equal(cacheEntryProblem('index.crates.io-1949cf8c6b5b557f', 'itoa-1.0.11.crate'), null);
  assert.equal(cacheEntryProblem('index.x-0', 'windows_x86_64_gnu-0.52.6.crate'), null);
  for (const [dir, file] of [['..', 'a-1.0.0.crate'], ['a/b', 'a-1.0.0.crate'], ['.hidden', 'a-1.0.0.crate'], ['d', '../a-1.0.0.crate'], ['d', 'a.crate'], ['d', 'a-1.0.0.tar'], ['d', 'a-1.0.0.crate.123']]) {
    assert.notEqual(cacheEntryProblem(dir, file), null, `${dir}/${file}`);
  }
});

test('the lock files vouch for a crate file by name, version and sha256; packages without a checksum (path, git) vouch for nothing', () => {
  const locked = lockedChecksums([
    `version = 3\n[[package]]\nname = "itoa"\nversion = "1.0.11"\nsource = "registry+x"\nchecksum = "${A}"\n[[package]]\nname = "mine"\nversion = "0.1.0"\n`,
    `[[package]]\nname = "itoa"\nversion = "1.0.11"\nsource = "registry+y"\nchecksum = "${B}"\n`,
    'this is not toml [[[',
  ]);
  assert.equal(vouchedFor(locked, 'itoa-1.0.11.crate', A), true);
  assert.equal(vouchedFor(locked, 'itoa-1.0.11.crate', B), true, 'a second lock file may name another registry\'s');
  assert.equal(vouchedFor(locked, 'itoa-1.0.11.crate', 'c'.repeat(64)), false);
  assert.equal(vouchedFor(locked, 'itoa-1.0.12.crate', A), false);
  assert.equal(vouchedFor(locked, 'mine-0.1.0.crate', A), false);
  assert.equal(locked.size, 2);
});

test('pip: the hashes a Python lock file pins (hash-checking requirements, uv.lock), and pip\'s cache paths', () => {
  const pinned = pinnedHashes([
    `requests==2.31.0 \\\n    --hash=sha256:${A} \\\n    --hash=sha256:${B}\n`,
    `[[package]]\nname = "idna"\nwheels = [{ url = "https://x/idna.whl", hash = "sha256:${'c'.repeat(64)}" }]\n`,
    'flask==3.0.0\n',
  ]);
  assert.deepEqual([...pinned].sort(), [A, B, 'c'.repeat(64)]);
  for (const name of ['requirements.txt', 'app/requirements-dev.txt', 'uv.lock', 'poetry.lock', 'Pipfile.lock', 'pylock.toml']) assert.ok(PIP.lockFile.test(name), name);
  for (const name of ['requirements.in', 'Cargo.lock', 'setup.py']) assert.ok(!PIP.lockFile.test(name), name);

  const key = 'd'.repeat(56);
  assert.deepEqual(PIP.entryOf(`./http/d/d/d/d/d/${key}`), { dir: 'http', file: key });
  assert.deepEqual(PIP.entryOf(`http-v2/d/d/d/d/d/${key}.body`), { dir: 'http-v2', file: `${key}.body` });
  assert.equal(PIP.placeOf('http-v2', `${key}.body`), `http-v2/d/d/d/d/d/${key}.body`);
  for (const path of [`http/d/d/d/d/e/${key}`, `http/d/d/d/d/${key}`, `wheels/d/d/d/d/d/${key}`, `http/d/d/d/d/d/${key}.body`, `http/d/d/d/d/d/${'g'.repeat(56)}`, `http/../d/d/d/d/${key}`]) {
    assert.equal(PIP.entryOf(path), null, path);
  }
});

test('pip: a cached response is kept only when its body is a pinned file; a metadata file only beside such a body', () => {
  const wheel = Buffer.from('a wheel the lock pins');
  const other = Buffer.from('anything else');
  const locked = pinnedHashes([`x==1 --hash=sha256:${sha(wheel)}`]);
  const entry = (body: Uint8Array) => Buffer.concat([Buffer.from('cc=4,'), Buffer.from(encode({ response: { body, headers: {}, status: 200 }, vary: {} }))]);
  const judge = (dir: string, file: string, bytes: Buffer) => PIP.judge(locked, { dir, file, sha256: sha(bytes), bytes }, sha);
  const key = 'a'.repeat(56);
  // pip before 23.3: the response and its body in one file.
  assert.equal(judge('http', key, entry(wheel)), 'keep');
  assert.equal(judge('http', key, entry(other)), 'drop', 'a body the lock does not pin');
  assert.equal(judge('http', key, Buffer.concat([Buffer.from('cc=4,'), Buffer.from([0xc1])])), 'drop', 'not msgpack');
  assert.equal(judge('http', key, wheel), 'drop', 'not a cached response at all');
  // 23.3 on: the body on its own, and the metadata kept only with it.
  assert.equal(judge('http-v2', `${key}.body`, wheel), 'keep');
  assert.equal(judge('http-v2', `${key}.body`, other), 'drop');
  assert.deepEqual(judge('http-v2', key, entry(new Uint8Array())), { with: `${key}.body` });
  assert.equal(judge('http-v2', key, Buffer.alloc(70_000, 1)), 'drop', 'metadata is headers, not a body');
});
