// How a release ended reaches a chat channel: a failed one and a cancelled one always (when the
// worker has a webhook), a completed one with TAGSHIP_NOTIFY_ON=all; a webhook that fails
// changes nothing about the release; the webhook's URL never reaches the history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { historyText, releaseFailure, uniqueSuffix, withWorker, waitForProgress } from '../helpers/temporal.ts';
import { makeProject } from '../helpers/projects.ts';
import { startRelease } from '../../client/release.ts';
import type { ReleaseProgress } from '../../workflows/types.ts';

interface Posted {
  text: string;
  tagship: { outcome: string; stage: string; cause?: string; link?: string; project: string; tag: string };
}

async function receiver(status = 200) {
  const posted: Posted[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      posted.push(JSON.parse(body) as Posted);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const secretPath = `/hooks/${uniqueSuffix()}-channel-token`;
  return { posted, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${secretPath}`, secretPath, close: () => server.close() };
}

const project = (name: string, build: string) => makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: [${JSON.stringify(build)}], artifacts: [out/x] }\n`);

test('failed, cancelled and (with on: all) completed releases are posted, with the stage, the cause and the run link', async () => {
  const hook = await receiver();
  try {
    await withWorker(async ({ client, taskQueue }) => {
      const name = `notify-${uniqueSuffix()}`;
      const failed = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: project(name, 'echo broken >&2; exit 7'), taskQueue });
      await failed.handle.result().catch(() => undefined);
      const slow = await startRelease(client, { project: name, tag: 'v1.0.1', projectDir: project(name, 'sleep 300'), taskQueue });
      await waitForProgress<ReleaseProgress>(client, slow.handle.workflowId, (p) => p.stage === 'building');
      await slow.handle.cancel();
      await slow.handle.result().catch(() => undefined);
      const ok = await startRelease(client, { project: name, tag: 'v1.0.2', projectDir: project(name, 'mkdir -p out && echo x > out/x'), taskQueue });
      await ok.handle.result();

      const by = (tag: string) => hook.posted.find((p) => p.tagship.tag === tag);
      assert.equal(by('v1.0.0')?.tagship.outcome, 'failed');
      assert.equal(by('v1.0.0')?.tagship.stage, 'building');
      assert.match(by('v1.0.0')?.text ?? '', new RegExp(`^${name} v1\\.0\\.0 FAILED \\(stage building\\): target t \\(building\\).*exited with code 7\\nhttp://ui\\.example\\.invalid/namespaces/default/workflows/release%3A${name}%3Av1\\.0\\.0/`));
      assert.equal(by('v1.0.1')?.tagship.outcome, 'cancelled');
      assert.equal(by('v1.0.2')?.tagship.outcome, 'completed');
      assert.equal(hook.posted.length, 3);
      assert.doesNotMatch(await historyText(client, failed.handle.workflowId), new RegExp(hook.secretPath), 'the webhook URL is never in the history');
    }, { notify: { url: hook.url, on: 'all' }, uiUrl: 'http://ui.example.invalid' });
  } finally {
    hook.close();
  }
});

test('a webhook that refuses changes nothing: the release ends as it would have; on: failure skips successes', async () => {
  const hook = await receiver(500);
  try {
    await withWorker(async ({ client, taskQueue }) => {
      const name = `notify-${uniqueSuffix()}`;
      const ok = await startRelease(client, { project: name, tag: 'v2.0.0', projectDir: project(name, 'mkdir -p out && echo x > out/x'), taskQueue });
      assert.equal((await ok.handle.result()).version, '2.0.0');
      assert.equal(hook.posted.length, 0, 'a success is not posted by default');
      const failed = await startRelease(client, { project: name, tag: 'v2.0.1', projectDir: project(name, 'exit 3'), taskQueue });
      const failure = await releaseFailure(failed.handle.result());
      assert.equal(failure.type, 'BuildFailed');
      assert.match(failure.message, /exited with code 3/);
      assert.equal(hook.posted.length, 3, 'three attempts, then the release failed as it would have');
    }, { notify: { url: hook.url, on: 'failure' } });
  } finally {
    hook.close();
  }
});
