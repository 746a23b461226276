// The dependency cache's rules (core/dependency-cache.ts): which names are cache entries, and
// which crate files a commit's lock files vouch for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheEntryProblem, lockedChecksums, vouchedFor } from '../../core/dependency-cache.ts';

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
