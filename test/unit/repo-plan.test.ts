import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { compareDebVersions } from '../../core/debversion.ts';
import { nextSuiteState, poolFiles, poolPath, releaseLine, suiteFor, unservedFiles, type PackageFile } from '../../core/repo-plan.ts';

const pairs: [string, string][] = [
  ['1.4.0', '1.4.0'], ['1.4.0~rc.1', '1.4.0'], ['1.4.0', '1.4.1'], ['1.10.0', '1.9.0'], ['1.4.0~rc.2', '1.4.0~rc.10'],
  ['1:0.1', '2.0'], ['1.0-1', '1.0-2'], ['1.0a', '1.0'], ['1.0~~', '1.0~'], ['2.0.0~beta', '2.0.0~alpha'], ['0.0.0', '0.0.0~x'],
];

test('Debian version order agrees with dpkg --compare-versions', () => {
  for (const [a, b] of pairs) {
    const ours = compareDebVersions(a, b);
    const lt = (() => { try { execFileSync('dpkg', ['--compare-versions', a, 'lt', b]); return true; } catch { return false; } })();
    const eq = (() => { try { execFileSync('dpkg', ['--compare-versions', a, 'eq', b]); return true; } catch { return false; } })();
    assert.equal(ours < 0, lt, `${a} < ${b}`);
    assert.equal(ours === 0, eq, `${a} = ${b}`);
  }
});

const pkg = (name: string, version: string, arch = 'amd64'): PackageFile => ({ file: `${name}_${version}_${arch}.deb`, name, version, arch });

test('a suite keeps the newest N versions per package, arch and release line, and other suites are untouched', () => {
  let state = { testing: [pkg('x', '0.9.0~rc.1')] } as Record<string, PackageFile[]>;
  for (const v of ['1.2.0', '1.2.1', '1.2.2']) state = nextSuiteState(state, 'stable', [pkg('x', v), pkg('x', v, 'arm64')], 2);
  assert.deepEqual(state.stable!.map((f) => f.file), ['x_1.2.1_amd64.deb', 'x_1.2.1_arm64.deb', 'x_1.2.2_amd64.deb', 'x_1.2.2_arm64.deb']);
  assert.deepEqual(state.testing!.map((f) => f.file), ['x_0.9.0~rc.1_amd64.deb']);
  assert.equal(poolFiles(state).length, 5);
});

test('a hotfix of an older line is served beside the newer line, and stays when the newer line moves on', () => {
  let state: Record<string, PackageFile[]> = {};
  for (const v of ['1.4.1', '1.4.2', '1.4.3']) state = nextSuiteState(state, 'stable', [pkg('x', v)], 3);
  state = nextSuiteState(state, 'stable', [pkg('x', '1.3.9')], 3);
  assert.deepEqual(state.stable!.map((f) => f.version), ['1.3.9', '1.4.1', '1.4.2', '1.4.3']);
  assert.deepEqual(unservedFiles(state, 'stable', [pkg('x', '1.3.9')]), []);
  state = nextSuiteState(state, 'stable', [pkg('x', '1.4.4')], 3);
  assert.deepEqual(state.stable!.map((f) => f.version), ['1.3.9', '1.4.2', '1.4.3', '1.4.4']);
});

test('the version being released is never pruned, even when it is older than the kept ones of its line', () => {
  let state: Record<string, PackageFile[]> = {};
  for (const v of ['2.0.5', '2.0.6']) state = nextSuiteState(state, 'stable', [pkg('x', v)], 2);
  state = nextSuiteState(state, 'stable', [pkg('x', '2.0.4')], 2);
  assert.deepEqual(state.stable!.map((f) => f.version), ['2.0.4', '2.0.5', '2.0.6']);
  assert.deepEqual(unservedFiles({ stable: [pkg('x', '2.0.5')] }, 'stable', [pkg('x', '2.0.4')]), ['x_2.0.4_amd64.deb']);
});

test('release lines: major.minor, without epoch or packaging revision', () => {
  assert.equal(releaseLine('1.4.3'), '1.4');
  assert.equal(releaseLine('1:1.4.3-2'), '1.4');
  assert.equal(releaseLine('1.5.0~rc.1'), '1.5');
  assert.equal(releaseLine('2-1'), '2.0');
});

test('releasing the same version again changes nothing', () => {
  const once = nextSuiteState({}, 'stable', [pkg('x', '1.0.0')], 3);
  assert.deepEqual(nextSuiteState(once, 'stable', [pkg('x', '1.0.0')], 3), once);
});

test('channels map to suites and pool paths follow Debian layout', () => {
  assert.equal(suiteFor('stable', { stable: 'stable', prerelease: 'testing' }), 'stable');
  assert.equal(suiteFor('prerelease', { stable: 'stable', prerelease: 'testing' }), 'testing');
  assert.equal(poolPath('main', pkg('hello-veilid', '1.0.0')), 'pool/main/h/hello-veilid/hello-veilid_1.0.0_amd64.deb');
  assert.equal(poolPath('main', pkg('libfoo', '1.0.0')), 'pool/main/libf/libfoo/libfoo_1.0.0_amd64.deb');
});
