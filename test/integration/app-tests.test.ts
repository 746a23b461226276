// A container app's unit tests in a fresh container: the reports come back, the gates decide;
// reports that are missing, symlinked or oversized are refused, naming the path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Docker from 'dockerode';
import { DockerMachines } from '../../providers/docker/machines.ts';
import { createAppTestActivities, type AppTestsInput, type AppTestsResult } from '../../activities/app-tests.ts';
import { createSourceActivities, type LoadProjectInput, type LoadProjectResult } from '../../activities/source.ts';
import { GitMirrors } from '../../providers/git/mirror.ts';
import { coverageVerdict, testsVerdict } from '../../core/qa/gates.ts';
import { makeProject } from '../helpers/projects.ts';
import { uniqueSuffix } from '../helpers/temporal.ts';
import { MockActivityEnvironment } from '@temporalio/testing';

const docker = new Docker();
const shell = new DockerMachines({ docker });
const acts = createAppTestActivities({ provider: shell, shell });

// What pytest --junitxml and coverage.py write, made by a script so the test owns the numbers.
const writeReports = (failures: number, covered: number) =>
  `mkdir -p out && printf '<testsuites><testsuite tests="6" failures="${failures}" errors="0" skipped="1"/></testsuites>' > out/junit.xml && printf '<coverage lines-valid="40" lines-covered="${covered}" line-rate="0"/>' > out/coverage.xml`;

async function runIn(files: Record<string, string>, command: string): Promise<AppTestsResult> {
  const state = mkdtempSync(join(tmpdir(), 'tagship-apptests-'));
  const dir = makeProject('project: app\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: all, os: generic, build: ["true"], artifacts: [x] }\n', files);
  const src = createSourceActivities({ stateDir: state, mirrors: new GitMirrors(join(state, 'mirrors')) });
  const env = new MockActivityEnvironment();
  const loaded: LoadProjectResult = await env.run((i: LoadProjectInput) => src.loadProject(i), { projectDir: dir, project: 'app' });
  const input: AppTestsInput = { machine: `tagship-apptests-${uniqueSuffix()}`, runId: 'ci:test', image: 'tagship/machine:bookworm-amd64', command, env: {}, source: loaded.source, junit: 'out/junit.xml', coverageReport: 'out/coverage.xml' };
  try {
    return await env.run((i: AppTestsInput): Promise<AppTestsResult> => acts.runAppTests(i), input);
  } finally {
    assert.equal(await shell.describe(input.machine), null, 'the container is gone, pass or fail');
  }
}

test('reports come back from the container; coverage below the floor fails naming both numbers', async () => {
  const r = await runIn({}, writeReports(0, 31));
  assert.equal(r.run.exitCode, 0);
  assert.deepEqual(r.tests, { tests: 6, failures: 0, errors: 0, skipped: 1 });
  assert.deepEqual(r.coverage, { linePercent: 77.5, linesCovered: 31, linesValid: 40 });
  assert.equal(testsVerdict(r.tests).passed, true);
  assert.deepEqual(coverageVerdict(r.coverage, 80), { passed: false, message: 'line coverage 77.5% is below the required 80% (31 of 40 lines)' });
  assert.equal(coverageVerdict(r.coverage, 77.5).passed, true);
});

test('failing tests still report: the exit code and the counts say what failed', async () => {
  const r = await runIn({}, `${writeReports(2, 40)} && exit 1`);
  assert.equal(r.run.exitCode, 1);
  assert.equal(testsVerdict(r.tests).message, '2 of 6 tests failed (2 failures, 0 errors)');
});

test('a missing, symlinked or oversized report is refused, naming the path', async () => {
  const cases: [string, RegExp][] = [
    ['echo ran; true', /the JUnit report out\/junit\.xml cannot be used: out\/junit\.xml does not exist\. The test command exited with 0/],
    ['mkdir -p out && ln -s /etc/shadow out/junit.xml', /out\/junit\.xml is a symlink, not a regular file/],
    ['mkdir -p out && head -c 11000000 /dev/zero > out/junit.xml', /out\/junit\.xml is 11000000 bytes, more than the 10485760 allowed/],
    ['mkdir -p out && echo "<html/>" > out/junit.xml', /the JUnit report has no <testsuites> or <testsuite> element/],
  ];
  for (const [command, expected] of cases) {
    await assert.rejects(runIn({}, command), (err: Error & { type?: string }) => {
      assert.equal(err.type, 'QaReportInvalid', err.message);
      assert.match(err.message, expected);
      return true;
    });
  }
});
