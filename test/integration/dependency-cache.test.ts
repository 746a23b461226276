// A project's dependency cache (issue 25): crates a build downloaded into its CARGO_HOME are
// kept for the project's next release — only those whose sha256 the tagged commit's Cargo.lock
// records — and put back before its next build; another project never sees them. The builds
// here play cargo: they write .crate files where cargo keeps its downloads (a real cargo build
// through the egress proxy fills the same folder: see README, "Releasing a real project").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { makeProject } from '../helpers/projects.ts';
import { startRelease } from '../../client/release.ts';

const DIR = 'index.test-0123456789abcdef';
const good = 'the good crate\n';
const forged = 'not what the lock file says\n';
const sha = (t: string) => createHash('sha256').update(t).digest('hex');

const lock = [
  'version = 3',
  '',
  '[[package]]',
  'name = "good"',
  'version = "1.0.0"',
  'source = "registry+https://example.invalid/index"',
  `checksum = "${sha(good)}"`,
  '',
  '[[package]]',
  'name = "evil"',
  'version = "1.0.0"',
  'source = "registry+https://example.invalid/index"',
  `checksum = "${sha('what evil really is\n')}"`,
  '',
].join('\n');

// What the cache held when the build started, then the build's "downloads": the crate the lock
// vouches for, a forged one under a locked name, one the lock does not name, and a symlink.
const BUILD = [
  'c="${CARGO_HOME:-$HOME/.cargo}/registry/cache"',
  'mkdir -p out "$c/' + DIR + '"',
  '(cd "$c" && find . -type f | sort; for f in $(find . -type f | sort); do echo "$f $(sha256sum < $f | cut -c1-64)"; done) > out/before.txt',
  'cp crates/good "$c/' + DIR + '/good-1.0.0.crate"',
  'cp crates/forged "$c/' + DIR + '/evil-1.0.0.crate"',
  'cp crates/good "$c/' + DIR + '/unlisted-1.0.0.crate"',
  'ln -sf /etc/passwd "$c/' + DIR + '/good-2.0.0.crate"',
].join(' && ');

function project(name: string): string {
  const config = [`project: ${name}`, 'testGate: { command: "true" }', 'targets:', `  - { name: t, arch: amd64, os: generic, build: [${JSON.stringify(BUILD)}], artifacts: [out/*] }`].join('\n');
  return makeProject(config, { 'Cargo.lock': lock, 'crates/good': good, 'crates/forged': forged });
}

test('a project\'s next release finds the crates its commit\'s Cargo.lock vouches for — nothing forged, nothing for another project', async () => {
  const a = `cache-a-${uniqueSuffix()}`;
  const b = `cache-b-${uniqueSuffix()}`;
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const before = (p: string, v: string) => readFileSync(join(stateDir, 'artifacts', p, v, 't', 'before.txt'), 'utf8');
    await (await startRelease(client, { project: a, tag: 'v1.0.0', projectDir: project(a), taskQueue })).handle.result();
    assert.equal(before(a, '1.0.0'), '', 'the first release starts with an empty cache');
    assert.deepEqual(readdirSync(join(stateDir, 'caches', a, 'cargo', DIR)), [`good-1.0.0.crate.${sha(good)}`], 'only the vouched-for crate was kept');

    await (await startRelease(client, { project: a, tag: 'v1.0.1', projectDir: project(a), taskQueue })).handle.result();
    assert.equal(before(a, '1.0.1'), `./${DIR}/good-1.0.0.crate\n./${DIR}/good-1.0.0.crate ${sha(good)}\n`, 'the next release\'s build starts with it, byte for byte');

    await (await startRelease(client, { project: b, tag: 'v1.0.0', projectDir: project(b), taskQueue })).handle.result();
    assert.equal(before(b, '1.0.0'), '', 'another project starts with its own, empty cache');
  });
});
