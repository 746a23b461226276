// A project's dependency cache (issue 25): crates a build or the test gate downloaded into its CARGO_HOME are
// kept for the project's next release — only those whose sha256 the tagged commit's Cargo.lock
// records — and put back before its next gate and builds; another project never sees them. The builds
// here play cargo: they write .crate files where cargo keeps its downloads (a real cargo build
// through the egress proxy fills the same folder: see README, "Releasing a real project").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { makeProject } from '../helpers/projects.ts';
import { startRelease } from '../../client/release.ts';

const DIR = 'index.test-0123456789abcdef';
const good = 'the good crate\n';
const gateOnly = 'a crate only the tests need\n';
const forged = 'not what the lock file says\n';
const sha = (t: string | Uint8Array) => createHash('sha256').update(t).digest('hex');

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
  'name = "gateonly"',
  'version = "1.0.0"',
  'source = "registry+https://example.invalid/index"',
  `checksum = "${sha(gateOnly)}"`,
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

// The test gate plays `cargo test`: on the second release it needs what the first release's
// build and gate kept, in cargo's folder, byte for byte (exit 7 otherwise); then it "downloads" a
// crate only it needs and forges another.
const GATE = [
  'c="${CARGO_HOME:-$HOME/.cargo}/registry/cache"',
  'if [ "$TAGSHIP_VERSION" = 1.0.1 ]; then [ "$(sha256sum < "$c/' + DIR + '/good-1.0.0.crate" | cut -c1-64)" = ' + sha(good) + ' ] && [ "$(sha256sum < "$c/' + DIR + '/gateonly-1.0.0.crate" | cut -c1-64)" = ' + sha(gateOnly) + ' ] || exit 7; fi',
  'mkdir -p "$c/' + DIR + '"',
  'cp crates/gateonly "$c/' + DIR + '/gateonly-1.0.0.crate"',
  'cp crates/forged "$c/' + DIR + '/evil-1.0.0.crate"',
].join(' && ');

function project(name: string): string {
  const config = [`project: ${name}`, `testGate: { command: ${JSON.stringify(GATE)} }`, 'targets:', `  - { name: t, arch: amd64, os: generic, build: [${JSON.stringify(BUILD)}], artifacts: [out/*] }`].join('\n');
  return makeProject(config, { 'Cargo.lock': lock, 'crates/good': good, 'crates/gateonly': gateOnly, 'crates/forged': forged });
}

test('a project\'s next release finds the crates its commit\'s Cargo.lock vouches for — nothing forged, nothing for another project', async () => {
  const a = `cache-a-${uniqueSuffix()}`;
  const b = `cache-b-${uniqueSuffix()}`;
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const before = (p: string, v: string) => readFileSync(join(stateDir, 'artifacts', p, v, 't', 'before.txt'), 'utf8');
    const first = await (await startRelease(client, { project: a, tag: 'v1.0.0', projectDir: project(a), taskQueue })).handle.result();
    assert.deepEqual(first.gateCache, { restored: 0, stored: 1 }, 'the gate started empty and kept the one crate it needed that the lock vouches for');
    assert.equal(before(a, '1.0.0'), `./${DIR}/gateonly-1.0.0.crate\n./${DIR}/gateonly-1.0.0.crate ${sha(gateOnly)}\n`, 'the build starts with what the gate kept');
    assert.deepEqual(readdirSync(join(stateDir, 'caches', a, 'cargo', DIR)).sort(), [`gateonly-1.0.0.crate.${sha(gateOnly)}`, `good-1.0.0.crate.${sha(good)}`], 'only the vouched-for crates were kept');

    const second = await (await startRelease(client, { project: a, tag: 'v1.0.1', projectDir: project(a), taskQueue })).handle.result();
    assert.deepEqual(second.gateCache, { restored: 2, stored: 0 }, 'the gate found both crates in cargo\'s folder (it exits 7 otherwise)');
    assert.equal(before(a, '1.0.1'), [`./${DIR}/gateonly-1.0.0.crate`, `./${DIR}/good-1.0.0.crate`, `./${DIR}/gateonly-1.0.0.crate ${sha(gateOnly)}`, `./${DIR}/good-1.0.0.crate ${sha(good)}`, ''].join('\n'), 'the next release\'s build starts with them, byte for byte');

    const other = await (await startRelease(client, { project: b, tag: 'v1.0.0', projectDir: project(b), taskQueue })).handle.result();
    assert.equal(other.gateCache?.restored, 0, 'another project\'s gate starts with its own, empty cache');
    assert.equal(before(b, '1.0.0'), `./${DIR}/gateonly-1.0.0.crate\n./${DIR}/gateonly-1.0.0.crate ${sha(gateOnly)}\n`, 'and its build with only what its own gate kept');
  });
});

// pip, for real: the build runs pip (tagship/python's, in an environment) against a server of
// its own on the sandbox's loopback, which serves a wheel the way an index does (cacheable). The
// commit's requirements.txt pins it by hash. The next release starts no server: pip must find the
// wheel in its cache, put back by tagship — and a forged cache file never comes back.
const PIP_PORT = 8765;
const SERVE = [
  'import http.server, functools',
  'class H(http.server.SimpleHTTPRequestHandler):',
  '    def end_headers(self):',
  '        self.send_header("Cache-Control", "max-age=31536000, immutable")',
  '        super().end_headers()',
  `http.server.ThreadingHTTPServer(("127.0.0.1", ${PIP_PORT}), functools.partial(H, directory="wheels")).serve_forever()`,
].join('\n');
const PIP_BUILD = [
  'set -e',
  'mkdir -p out',
  'if [ "$TAGSHIP_VERSION" = 1.0.0 ]; then python3 serve.py & sleep 2; fi',
  // pip caches https answers, and those of hosts it is told to trust (the index here is plain http).
  'pip3 download --no-index --find-links links.html --trusted-host 127.0.0.1 --retries 0 --timeout 5 --require-hashes -r requirements.txt --no-deps -d out/dl',
  'c="${PIP_CACHE_DIR:-$HOME/.cache/pip}"',
  '(cd "$c" && find http -type f | sort) > out/cache.txt',
  'mkdir -p "$c/http/f/f/f/f/f" && printf "cc=4,forged" > "$c/http/f/f/f/f/f/' + 'f'.repeat(56) + '"',
].join('\n');

/** A wheel made once, byte for byte the same each time (fixed times). */
function wheel(): Buffer {
  const py = [
    'import zipfile, io, sys',
    'b = io.BytesIO()',
    'with zipfile.ZipFile(b, "w") as z:',
    '    for name, text in [("dep/__init__.py", ""), ("dep-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: dep\\nVersion: 1.0\\n"), ("dep-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"), ("dep-1.0.dist-info/RECORD", "")]:',
    '        z.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), text)',
    'sys.stdout.buffer.write(b.getvalue())',
  ].join('\n');
  return execFileSync('python3', ['-c', py]);
}

function pipProject(name: string): string {
  const whl = wheel();
  const file = 'dep-1.0-py3-none-any.whl';
  const config = [
    `project: ${name}`,
    'testGate: { command: "true" }',
    'targets:',
    `  - { name: t, arch: amd64, os: generic, machine: { image: { dockerfile: env/Dockerfile, context: env } }, build: [${JSON.stringify(PIP_BUILD)}], artifacts: [out/cache.txt, out/dl/*] }`,
  ].join('\n');
  return makeProject(config, {
    'env/Dockerfile': 'ARG TARGETARCH=amd64\nFROM tagship/python:bookworm-${TARGETARCH}\n',
    'serve.py': SERVE,
    [`wheels/${file}`]: whl,
    'links.html': `<a href="http://127.0.0.1:${PIP_PORT}/${file}#sha256=${sha(wheel())}">${file}</a>\n`,
    'requirements.txt': `dep==1.0 --hash=sha256:${sha(wheel())}\n`,
  });
}

test('pip: a wheel the commit\'s requirements pin by hash is in pip\'s cache at the next release (no server then); a forged cache file is not', async () => {
  const a = `pipcache-a-${uniqueSuffix()}`;
  const b = `pipcache-b-${uniqueSuffix()}`;
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const dir = pipProject(a);
    const listed = (p: string, v: string) => readFileSync(join(stateDir, 'artifacts', p, v, 't', 'cache.txt'), 'utf8');
    const first = await (await startRelease(client, { project: a, tag: 'v1.0.0', projectDir: dir, taskQueue })).handle.result();
    assert.deepEqual(first.targets[0]?.dependencyCache, { restored: 0, stored: 1 }, 'the build started empty and kept the one pinned response');
    assert.equal(listed(a, '1.0.0').trim().split('\n').length, 1, 'pip cached one response (the wheel)');
    const kept = readdirSync(join(stateDir, 'caches', a, 'pip', 'http'));
    assert.equal(kept.length, 1, `only the wheel's response was kept, not the forged file: ${kept.join(', ')}`);

    const second = await (await startRelease(client, { project: a, tag: 'v1.0.1', projectDir: dir, taskQueue })).handle.result();
    assert.deepEqual(second.targets[0]?.dependencyCache, { restored: 1, stored: 0 });
    assert.equal(listed(a, '1.0.1'), listed(a, '1.0.0'), 'the next build starts with it where pip looks');
    const whl = second.targets[0].manifest.artifacts.find((x) => x.name === 'dep-1.0-py3-none-any.whl');
    assert.equal(whl?.sha256, sha(wheel()), 'pip got the pinned wheel with no server to ask');

    const other = await (await startRelease(client, { project: b, tag: 'v1.0.1', projectDir: pipProject(b), taskQueue })).handle.result().then(() => 'completed', (err: Error & { cause?: Error }) => String(err.cause?.message ?? err.message));
    assert.match(other, /The build of t/, 'another project has its own cache: with no server, its pip finds nothing');
  });
});
