import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { compareDebVersions } from '../../core/debversion.ts';
import { nextSuiteState, poolFiles, poolPath, suiteFor, type PackageFile } from '../../core/repo-plan.ts';

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

test('a suite keeps the newest N versions per package and arch, and other suites are untouched', () => {
  let state = { testing: [pkg('x', '0.9.0~rc.1')] } as Record<string, PackageFile[]>;
  for (const v of ['1.0.0', '1.1.0', '1.2.0']) state = nextSuiteState(state, 'stable', [pkg('x', v), pkg('x', v, 'arm64')], 2);
  assert.deepEqual(state.stable!.map((f) => f.file), ['x_1.1.0_amd64.deb', 'x_1.1.0_arm64.deb', 'x_1.2.0_amd64.deb', 'x_1.2.0_arm64.deb']);
  assert.deepEqual(state.testing!.map((f) => f.file), ['x_0.9.0~rc.1_amd64.deb']);
  assert.equal(poolFiles(state).length, 5);
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
