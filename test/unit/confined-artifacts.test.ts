// Taking a build's artifacts from real files: no link on any component, only regular files of
// the build's own, within the limits, copied before hashing. (The hard-link case cannot be
// made by a build where the kernel protects hard links, so it is made here, as root.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, linkSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { confinedPathProblem, openConfined } from '../../providers/files/confined.ts';
import { stageArtifacts } from '../../activities/agent-artifacts.ts';

const BUILD_UID = 10000;
/** Matched paths of plain globs (no declared kind). */
const at = (...paths: string[]) => paths.map((path) => ({ path }));

function tree(): { src: string; staging: string; outside: string } {
  const root = mkdtempSync(join(tmpdir(), 'tagship-confined-'));
  const src = join(root, 'src');
  mkdirSync(join(src, 'out', 'deep'), { recursive: true });
  writeFileSync(join(src, 'out', 'a.txt'), 'genuine\n');
  writeFileSync(join(src, 'out', 'deep', 'b.txt'), 'b\n');
  const outside = join(root, 'secret');
  writeFileSync(outside, 'root only\n', { mode: 0o600 });
  return { src, staging: join(root, 'staging'), outside };
}

test('path rules: relative, plain components, no control characters, bounded', () => {
  assert.equal(confinedPathProblem('out/a.deb'), null);
  assert.match(confinedPathProblem('/etc/shadow') ?? '', /absolute/);
  for (const p of ['out/../x', './x', 'out//x', 'out/.']) assert.match(confinedPathProblem(p) ?? '', /empty, "\." or "\.\."/, p);
  for (const p of ['out/a\nb', 'out/\u001b[31m', 'out/\u007f']) assert.match(confinedPathProblem(p) ?? '', /control character/, p);
  assert.match(confinedPathProblem('out/\uFFFD.deb') ?? '', /not valid UTF-8/);
  assert.match(confinedPathProblem(`out/${'x'.repeat(256)}`) ?? '', /component longer than 255 bytes/);
  assert.match(confinedPathProblem(`${'d/'.repeat(2100)}f`) ?? '', /longer than 4096 bytes/);
  assert.match(confinedPathProblem('') ?? '', /empty/);
});

test('a link on any component is refused; a regular file beneath the root opens', async () => {
  const { src, outside } = tree();
  symlinkSync(outside, join(src, 'out', 'link.txt'));
  symlinkSync(join(src, '..'), join(src, 'up'));
  symlinkSync(join(src, 'out', 'deep'), join(src, 'out', 'inner'));
  const { file, stat } = await openConfined(src, 'out/deep/b.txt');
  assert.equal(stat.size, 2);
  await file.close();
  await assert.rejects(openConfined(src, 'out/link.txt'), /out\/link\.txt is a symbolic link/);
  await assert.rejects(openConfined(src, 'up/secret'), /up\/secret is reached through up, a symbolic link/);
  // Even a link that stays inside the root is a link.
  await assert.rejects(openConfined(src, 'out/inner/b.txt'), /is reached through out\/inner, a symbolic link/);
  await assert.rejects(openConfined(src, 'out/a.txt/x'), /reached through out\/a\.txt, which is not a folder/);
  await assert.rejects(openConfined(src, 'out/deep'), /out\/deep is a folder/);
  await assert.rejects(openConfined(src, 'out/none'), /does not exist/);
});

test('artifacts must be the build user\'s own: a hard link to root\'s file is refused', async () => {
  const { src, staging, outside } = tree();
  chownSync(join(src, 'out', 'a.txt'), BUILD_UID, BUILD_UID);
  linkSync(outside, join(src, 'out', 'stolen.txt'));
  const limits = { bytes: 1 << 20, files: 10 };
  const staged = await stageArtifacts({ target: 't', srcDir: src, stagingDir: staging, paths: at('out/a.txt'), owner: BUILD_UID, limits });
  assert.deepEqual(staged.map((s) => [s.name, s.size, s.sha256.slice(0, 8)]), [['a.txt', 8, '09f9e973']]);
  assert.equal(readFileSync(staged[0]!.staged, 'utf8'), 'genuine\n', 'the agent\'s copy');
  await assert.rejects(stageArtifacts({ target: 't', srcDir: src, stagingDir: staging, paths: at('out/stolen.txt'), owner: BUILD_UID, limits }), /target t: artifact out\/stolen\.txt belongs to uid 0, not to the build \(uid 10000\)/);
});

test('limits: the count before anything is opened, the bytes before they are read', async () => {
  const { src, staging } = tree();
  writeFileSync(join(src, 'out', 'big.bin'), Buffer.alloc(3000));
  const paths = at('out/a.txt', 'out/deep/b.txt', 'out/big.bin');
  await assert.rejects(stageArtifacts({ target: 't', srcDir: src, stagingDir: staging, paths, limits: { bytes: 1 << 20, files: 2 } }), /matched 3 files, more than the 2 allowed/);
  await assert.rejects(stageArtifacts({ target: 't', srcDir: src, stagingDir: staging, paths, limits: { bytes: 3005, files: 5 } }), /artifact out\/big\.bin \(3000 bytes\) takes the target's artifacts past the 3005 bytes allowed/);
  await assert.rejects(stageArtifacts({ target: 't', srcDir: src, stagingDir: staging, paths: at('out/a.txt', 'other/a.txt'), limits: { bytes: 1 << 20, files: 5 } }), /two artifacts are both named a\.txt/);
  const ok = await stageArtifacts({ target: 't', srcDir: src, stagingDir: staging, paths, limits: { bytes: 3010, files: 3 } });
  assert.deepEqual(ok.map((s) => s.name), ['a.txt', 'b.txt', 'big.bin']);
});

test('each file gets its kind once: declared by its glob (the name must fit it) or inferred from the name', async () => {
  const { src, staging } = tree();
  for (const n of ['hello_1.0.0_amd64.deb', 'tool-1.0.0.tar.gz', 'hello_py-1.0.0-py3-none-any.whl', 'hello_py-1.0.0.tar.gz', 'notes.deb']) writeFileSync(join(src, 'out', n), n);
  const limits = { bytes: 1 << 20, files: 10 };
  const staged = await stageArtifacts({ target: 't', srcDir: src, stagingDir: staging, paths: at('out/hello_1.0.0_amd64.deb', 'out/tool-1.0.0.tar.gz', 'out/hello_py-1.0.0-py3-none-any.whl', 'out/hello_py-1.0.0.tar.gz', 'out/a.txt'), limits, hints: { pythonDistributions: ['hello-py'] } });
  assert.deepEqual(
    staged.map((s) => [s.name, s.kind, s.facts]),
    [
      ['a.txt', 'file', {}],
      ['hello_1.0.0_amd64.deb', 'deb', { package: 'hello', version: '1.0.0', arch: 'amd64' }],
      ['hello_py-1.0.0-py3-none-any.whl', 'wheel', { distribution: 'hello_py', version: '1.0.0', tags: 'py3-none-any' }],
      ['hello_py-1.0.0.tar.gz', 'sdist', { distribution: 'hello_py', version: '1.0.0' }],
      ['tool-1.0.0.tar.gz', 'archive', { format: 'tar.gz' }],
    ],
  );
  // A declared kind wins over the name's look, and a name that cannot be one is refused.
  const declared = await stageArtifacts({ target: 't', srcDir: src, stagingDir: staging, paths: [{ path: 'out/hello_py-1.0.0.tar.gz', kind: 'archive' }], limits, hints: { pythonDistributions: ['hello-py'] } });
  assert.equal(declared[0]!.kind, 'archive');
  await assert.rejects(stageArtifacts({ target: 't', srcDir: src, stagingDir: staging, paths: [{ path: 'out/a.txt', kind: 'deb' }], limits }), /target t: artifact out\/a\.txt is declared kind deb in tagship\.yml, but a deb is a \.deb file; fix the kind or the glob/);
  await assert.rejects(stageArtifacts({ target: 't', srcDir: src, stagingDir: staging, paths: [{ path: 'out/notes.deb', kind: 'crate' }], limits }), /is declared kind crate in tagship\.yml, but a crate is <crate>-<version>\.crate/);
});
