// An operator follows one release through the worker's logs: JSON lines, each machine's
// creation and deletion under the workflow of its target with the activity and its attempt,
// every gateway request — and none of the secrets the worker was given, in any line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { orchestratorEnv, startOrchestrator } from '../helpers/orchestrator-process.ts';
import { historyText, uniqueSuffix } from '../helpers/temporal.ts';
import { containersOf, makeProject } from '../helpers/projects.ts';
import { connectClient } from '../../providers/temporal/connect.ts';
import { startRelease } from '../../client/release.ts';

test('a release\'s log lines name its workflows, steps and attempts, and hold no secret', async () => {
  const name = `logs-${uniqueSuffix()}`;
  const codecKey = randomBytes(32).toString('base64');
  const secrets = { registryToken: `reg-${randomBytes(12).toString('hex')}`, codecToken: `codec-${randomBytes(16).toString('hex')}` };
  const env = await orchestratorEnv('logs', {
    TAGSHIP_LOG_LEVEL: 'debug',
    TAGSHIP_CODEC_KEYS: `k1:${codecKey}`,
    TAGSHIP_REGISTRY_LOCAL_URL: 'http://127.0.0.1:9/',
    TAGSHIP_REGISTRY_LOCAL_TOKEN: secrets.registryToken,
    TAGSHIP_CODEC_TOKEN: secrets.codecToken,
  });
  let output = '';
  const orchestrator = await startOrchestrator(env, (text) => (output += text));
  const { client, close } = await connectClient({ temporalAddress: env.TEMPORAL_ADDRESS, namespace: 'default', codecEnv: { TAGSHIP_CODEC_KEYS: env.TAGSHIP_CODEC_KEYS! } });
  try {
    const dir = makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["mkdir -p out && echo ok > out/a.txt"], artifacts: [out/*] }\n`);
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue: env.TAGSHIP_TASK_QUEUE });
    await handle.result();
    assert.deepEqual(await containersOf(handle.workflowId), []);
    await new Promise((r) => setTimeout(r, 500)); // the last lines are written
    const lines = output.split('\n').filter(Boolean);
    const parsed = lines.map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        assert.fail(`not a JSON line: ${l}`);
      }
    });
    const child = `${handle.workflowId}/target/t`;
    const created = parsed.find((l) => l.msg === 'machine created' && l.workflowId === child);
    assert.ok(created, `a line says the target's machine was created, under its workflow:\n${lines.filter((l) => l.includes('machine')).join('\n')}`);
    assert.equal(created.activityType, 'createMachine');
    assert.equal(created.attempt, 1);
    assert.match(String(created.machine), new RegExp(`^tagship-${name}-1\\.0\\.0-t-`));
    assert.ok(parsed.some((l) => l.msg === 'machine deleted' && l.workflowId === child && l.machine === created.machine && l.outcome === 'deleted'), 'and deleted');
    const requests = parsed.filter((l) => l.msg === 'gateway request').map((l) => `${String(l.method)} ${String(l.status)} ${String(l.path)}`);
    assert.ok(requests.some((r) => /^GET 200 \/sources\/[0-9a-f]{64}\.tar$/.test(r)), requests.join('\n'));
    assert.ok(requests.some((r) => new RegExp(`^PUT 201 /artifacts/${name}/1\\.0\\.0/t/a\\.txt$`).test(r)), requests.join('\n'));
    assert.ok(requests.some((r) => new RegExp(`^PUT 201 /manifests/${name}/1\\.0\\.0/t$`).test(r)), requests.join('\n'));
    for (const [what, secret] of Object.entries({ agentToken: env.TAGSHIP_AGENT_TOKEN!, codecKey, ...secrets })) {
      assert.ok(!output.includes(secret), `the ${what} is in the worker's logs`);
    }
    assert.ok(!(await historyText(client, handle.workflowId)).includes(codecKey));
  } finally {
    orchestrator.kill('SIGTERM');
    await close();
  }
});
