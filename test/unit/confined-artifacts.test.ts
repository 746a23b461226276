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
  const staged = await stageArtifacts({ target: 't', srcDir: src, stagingDir: staging, paths: ['out/a.txt'], owner: BUILD_UID, limits });
  assert.deepEqual(staged.map((s) => [s.name, s.size, s.sha256.slice(0, 8)]), [['a.txt', 8, '09f9e973']]);
  assert.equal(readFileSync(staged[0]!.staged, 'utf8'), 'genuine\n', 'the agent\'s copy');
  await assert.rejects(stageArtifacts({ target: 't', srcDir: src, stagingDir: staging, paths: ['out/stolen.txt'], owner: BUILD_UID, limits }), /target t: artifact out\/stolen\.txt belongs to uid 0, not to the build \(uid 10000\)/);
});

test('limits: the count before anything is opened, the bytes before they are read', async () => {
  const { src, staging } = tree();
  writeFileSync(join(src, 'out', 'big.bin'), Buffer.alloc(3000));
  const paths = ['out/a.txt', 'out/deep/b.txt', 'out/big.bin'];
  await assert.rejects(stageArtifacts({ target: 't', srcDir: src, stagingDir: staging, paths, limits: { bytes: 1 << 20, files: 2 } }), /matched 3 files, more than the 2 allowed/);
  await assert.rejects(stageArtifacts({ target: 't', srcDir: src, stagingDir: staging, paths, limits: { bytes: 3005, files: 5 } }), /artifact out\/big\.bin \(3000 bytes\) takes the target's artifacts past the 3005 bytes allowed/);
  await assert.rejects(stageArtifacts({ target: 't', srcDir: src, stagingDir: staging, paths: ['out/a.txt', 'other/a.txt'], limits: { bytes: 1 << 20, files: 5 } }), /two artifacts are both named a\.txt/);
  const ok = await stageArtifacts({ target: 't', srcDir: src, stagingDir: staging, paths, limits: { bytes: 3010, files: 3 } });
  assert.deepEqual(ok.map((s) => s.name), ['a.txt', 'b.txt', 'big.bin']);
});
