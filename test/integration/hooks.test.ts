// The hook server over real HTTP, starting real release workflows on a Temporal server (on a
// task queue no worker polls, so nothing is built). Secrets and signatures as GitLab and
// GitHub send them.
import { test } from 'node:test';
import { request } from 'node:http';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { temporalAddress, uniqueSuffix, waitForProgress, withWorker } from '../helpers/temporal.ts';
import { makeProject } from '../helpers/projects.ts';
import { startHookServer, MAX_BODY } from '../../client/hooks/server.ts';
import { DeliveryLedger } from '../../client/hooks/deliveries.ts';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startRelease } from '../../client/release.ts';

test('hooks start one release per tag and answer every bad request with the right status', async () => {
  const project = `hooked-${uniqueSuffix()}`;
  const dir = makeProject(`project: ${project}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["true"], artifacts: [x] }\n`);
  const secret = `s3cret-${uniqueSuffix()}`;
  const connection = await Connection.connect({ address: temporalAddress() });
  const client = new Client({ connection });
  const taskQueue = `nobody-${uniqueSuffix()}`;
  const server = await startHookServer({
    projects: { [project]: { secret } },
    startRelease: async (p, tag) => {
      const { handle, existing } = await startRelease(client, { project: p, tag, projectDir: dir, taskQueue });
      return { workflowId: handle.workflowId, existing };
    },
  });
  const post = (path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const github = (event: string, body: unknown, sign = secret) => {
    const raw = JSON.stringify(body);
    return post(`/hooks/github/${project}`, raw, { 'x-github-event': event, 'x-hub-signature-256': `sha256=${createHmac('sha256', sign).update(raw).digest('hex')}` });
  };
  const gitlab = (body: unknown, token = secret) => post(`/hooks/gitlab/${project}`, body, { 'x-gitlab-event': 'Tag Push Hook', 'x-gitlab-token': token });
  try {
    const tagPush = { object_kind: 'tag_push', ref: 'refs/tags/v1.0.0', after: 'a'.repeat(40) };
    const first = await gitlab(tagPush);
    assert.equal(first.status, 201);
    const { workflowId } = (await first.json()) as { workflowId: string };
    assert.equal(workflowId, `release:${project}:v1.0.0`);
    const redelivered = await gitlab(tagPush);
    assert.equal(redelivered.status, 200, 'a redelivered hook finds the release');
    assert.equal(((await redelivered.json()) as { existing: boolean }).existing, true);
    const viaGithub = await github('push', { ref: 'refs/tags/v1.0.0', deleted: false });
    assert.equal(viaGithub.status, 200, 'the same tag from GitHub is the same release');
    let runs: string[] = [];
    // Visibility may lag a moment behind the start; look until the run shows (bounded).
    for (let i = 0; i < 20 && runs.length === 0; i++) {
      runs = [];
      for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(w.runId);
      if (!runs.length) await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(runs.length, 1, 'exactly one release ran for the tag');

    assert.equal((await github('release', { action: 'published', release: { tag_name: 'v1.1.0' } })).status, 201);
    assert.equal((await github('create', { ref_type: 'tag', ref: 'v1.2.0' })).status, 201);
    assert.equal((await github('ping', { zen: 'hi' })).status, 200);

    assert.equal((await gitlab(tagPush, 'wrong')).status, 401);
    assert.equal((await post(`/hooks/gitlab/${project}`, tagPush, {})).status, 401, 'missing token');
    assert.equal((await github('push', { ref: 'refs/tags/v9.0.0' }, 'wrong')).status, 401);
    assert.equal((await post(`/hooks/github/${project}`, { ref: 'refs/tags/v9.0.0' }, { 'x-github-event': 'push' })).status, 401, 'missing signature');
    assert.equal((await gitlab('{not json')).status, 400);
    assert.equal((await gitlab({ object_kind: 'tag_push' })).status, 400, 'missing ref');
    const big = await post(`/hooks/gitlab/${project}`, 'x'.repeat(MAX_BODY + 10), { 'x-gitlab-token': secret });
    assert.equal(big.status, 413);
    assert.equal((await github('push', { ref: 'refs/heads/main' })).status, 202, 'branch push ignored');
    assert.equal((await gitlab({ ...tagPush, after: '0'.repeat(40) })).status, 202, 'tag deletion ignored');
    const bad = await gitlab({ ...tagPush, ref: 'refs/tags/v1.0.0;id' });
    assert.equal(bad.status, 422);
    assert.match(((await bad.json()) as { error: string }).error, /shell metacharacter ";"/);
    // An unknown project is answered exactly like a wrong signature: nothing tells it apart.
    const unknown = await post('/hooks/gitlab/nope', tagPush, { 'x-gitlab-token': secret });
    const wrong = await gitlab(tagPush, 'wrong');
    assert.deepEqual([unknown.status, await unknown.text()], [wrong.status, await wrong.text()]);
    const unknownGh = await post('/hooks/github/nope', { ref: 'refs/tags/v9.0.0' }, { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update('{}').digest('hex')}` });
    const wrongGh = await github('push', { ref: 'refs/tags/v9.0.0' }, 'wrong');
    assert.deepEqual([unknownGh.status, await unknownGh.text()], [wrongGh.status, await wrongGh.text()]);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  } finally {
    for (const tag of ['v1.0.0', 'v1.1.0', 'v1.2.0']) await client.workflow.getHandle(`release:${project}:${tag}`).terminate('test over').catch(() => undefined);
    await server.close();
    await connection.close();
  }
});

test('a GitLab hook with a wrong token is refused before its body is read', async () => {
  let started = 0;
  const server = await startHookServer({ projects: { known: { secret: 'the-secret' } }, startRelease: () => Promise.resolve({ workflowId: `w${++started}`, existing: false }) });
  try {
    // A body that never ends: a server that read it before checking the token would never answer.
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${server.url}/hooks/gitlab/known`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Tag Push Hook', 'x-gitlab-token': 'wrong', 'transfer-encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write('x'.repeat(64 * 1024));
      // This request is never ended; a server that waits for the body never answers it.
      setTimeout(() => {
        req.destroy();
        reject(new Error('no answer in 20 s: the server waits for the body before checking the token'));
      }, 20_000).unref();
    });
    assert.equal(answer.status, 401);
    assert.match(answer.body, /X-Gitlab-Token is missing or wrong/);
    assert.equal(started, 0);
  } finally {
    await server.close();
  }
});

test('a hook never restarts a release that was cancelled or terminated; a replayed delivery is answered without acting', async () => {
  const project = `hookclosed-${uniqueSuffix()}`;
  // A gate that takes a while: the releases are running when the operator stops them (no
  // machines meanwhile: a terminated release leaves its machines to the reaper).
  const dir = makeProject(`project: ${project}\ntestGate: { command: "sleep 60", provisionDuringGate: false }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["true"], artifacts: [x] }\n`);
  const ledger = join(mkdtempSync(join(tmpdir(), 'tagship-deliveries-')), 'hook-deliveries');
  await withWorker(async ({ client, taskQueue }) => {
    const options = {
      projects: { [project]: { secret: 'closed-secret' } },
      deliveries: new DeliveryLedger(ledger),
      startRelease: async (p: string, tag: string) => {
        const { handle, existing, status } = await startRelease(client, { project: p, tag, projectDir: dir, taskQueue, fromHook: true });
        return { workflowId: handle.workflowId, existing, ...(status ? { status } : {}) };
      },
    };
    let server = await startHookServer(options);
    const push = (tag: string, delivery: string) =>
      fetch(`${server.url}/hooks/gitlab/${project}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Tag Push Hook', 'x-gitlab-token': 'closed-secret', 'x-gitlab-event-uuid': delivery }, body: JSON.stringify({ object_kind: 'tag_push', ref: `refs/tags/${tag}`, after: 'b'.repeat(40) }) });
    const runs = async (workflowId: string) => {
      const ids: string[] = [];
      for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) ids.push(w.runId);
      return ids.length;
    };
    try {
      for (const [tag, end] of [['v1.0.0', 'cancel'], ['v2.0.0', 'terminate']] as const) {
        const first = await push(tag, `d-${tag}-1`);
        assert.equal(first.status, 201);
        const { workflowId } = (await first.json()) as { workflowId: string };
        const handle = client.workflow.getHandle(workflowId);
        await waitForProgress<{ stage: string }>(client, workflowId, (p) => p.stage === 'test-gate');
        if (end === 'cancel') await handle.cancel();
        else await handle.terminate('operator stopped it');
        await handle.result().catch(() => undefined);
        // A new delivery for the same tag: the release stays as the operator left it.
        const again = await push(tag, `d-${tag}-2`);
        assert.equal(again.status, 200);
        const body = (await again.json()) as { existing: boolean; status: string; note: string };
        assert.equal(body.existing, true);
        assert.match(body.status, end === 'cancel' ? /CANCELLED/ : /TERMINATED/);
        assert.match(body.note, /a hook never restarts a closed release .*tagship release retry/);
        assert.equal((await handle.describe()).status.name, end === 'cancel' ? 'CANCELLED' : 'TERMINATED');
        for (let i = 0; i < 10 && (await runs(workflowId)) < 1; i++) await new Promise((r) => setTimeout(r, 250));
        assert.equal(await runs(workflowId), 1, `${tag}: the hook started the release again`);
      }
      // The first delivery replayed, after a restart of the hook server: answered, nothing acted on.
      await server.close();
      server = await startHookServer({ ...options, deliveries: new DeliveryLedger(ledger) });
      const replayed = await push('v1.0.0', 'd-v1.0.0-1');
      assert.equal(replayed.status, 200);
      assert.equal(((await replayed.json()) as { replayed: boolean }).replayed, true);
    } finally {
      await server.close();
    }
  });
});
