// Builds that try to reach what is not theirs, on real Docker machines with real agents: a
// symlink to a host file passed off as an artifact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { containersOf, makeProject } from '../helpers/projects.ts';
import { startRelease } from '../../client/release.ts';

function project(name: string, build: string, files: Record<string, string> = {}): string {
  return makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: [${JSON.stringify(build)}], artifacts: [out/*] }\n`, files);
}

async function failureOf(p: Promise<unknown>): Promise<{ type?: string; message: string }> {
  const err = await p.then(() => assert.fail('expected the release to fail'), (e: unknown) => e);
  assert.ok(err instanceof WorkflowFailedError, String(err));
  let cause: Error = err;
  while (cause.cause instanceof Error) cause = cause.cause;
  return { type: (cause as { type?: string }).type, message: cause.message };
}

test('an artifact that is a symlink to a host file is refused, naming it', async () => {
  const name = `symlink-${uniqueSuffix()}`;
  const dir = project(name, 'mkdir -p out && ln -s /etc/shadow out/shadow.deb');
  await withWorker(async ({ client, taskQueue }) => {
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue });
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'BadArtifact');
    assert.match(failure.message, /artifact out\/shadow\.deb is a symbolic link; artifacts must be regular files the build wrote/);
    assert.deepEqual(await containersOf(handle.workflowId), []);
  });
});
