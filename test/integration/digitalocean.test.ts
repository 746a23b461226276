// The digitalocean provider, through the real do-wrapper client, against the DigitalOcean API
// emulator — faults included. Every test ends with the emulator holding zero droplets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { historyText, terminateFromOutside, uniqueSuffix, waitForProgress, withWorker } from '../helpers/temporal.ts';
import { orchestratorEnv, startOrchestrator } from '../helpers/orchestrator-process.ts';
import { Client, Connection } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeProject } from '../helpers/projects.ts';
import { dropletsLeft, emulatorProvider, startEmulator, DO_TOKEN } from '../helpers/digitalocean.ts';
import { startRelease } from '../../client/release.ts';
import type { DoEmulator } from '../../embedded/do-emulator.ts';
import type { TargetProgress } from '../../workflows/types.ts';
import type { ReaperResult } from '../../workflows/reaper.ts';
import { freePort } from '../../providers/net/ports.ts';

function project(name: string, opts: { size?: string; build?: string; targets?: number } = {}) {
  const build = opts.build ?? 'mkdir -p out && echo "built on $(hostname)" > out/result.txt';
  const targets = Array.from({ length: opts.targets ?? 1 }, (_, i) => `  - { name: t${i}, arch: amd64, os: generic, machine: { size: ${opts.size ?? 'c2-8vcpu-16gb-intel'} }, build: [${JSON.stringify(build)}], artifacts: [out/*] }\n`).join('');
  return makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n${targets}cost: { currency: USD, hourly: { c2-8vcpu-16gb-intel: 0.25 } }\n`);
}

async function noDroplets(em: DoEmulator): Promise<void> {
  assert.deepEqual(await dropletsLeft(em), { droplets: 0, containers: [] }, 'the emulator holds zero droplets and no container is left');
}

test('a whole release runs on emulated droplets whose agents enrolled through cloud-init', async () => {
  const em = await startEmulator();
  const name = `do-${uniqueSuffix()}`;
  try {
    await withWorker(async ({ client, taskQueue, stateDir }) => {
      const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: project(name, { targets: 2 }), taskQueue });
      const result = await handle.result();
      assert.equal(result.targets.length, 2);
      for (const t of result.targets) {
        assert.equal(em.creates.get(t.machine), 1, `${t.machine} was created once`);
        assert.equal(t.estimatedCost, Math.round((t.machineSeconds / 3600) * 0.25 * 10_000) / 10_000, 'droplet-seconds priced by the size table');
      }
      assert.equal(result.estimatedCost?.currency, 'USD');
      // The agent token travelled in the droplets' user data only, never through a workflow.
      const token = readFileSync(join(stateDir, 'agent-token'), 'utf8').trim();
      for (const id of [handle.workflowId, `${handle.workflowId}/target/t0`]) assert.ok(!(await historyText(client, id)).includes(token));
    }, { provider: emulatorProvider(em) });
    await noDroplets(em);
  } finally {
    await em.close();
  }
});

test('a target that names no size gets the droplet default size (TAGSHIP_DO_SIZE), not tagship\'s "small"', async () => {
  const em = await startEmulator();
  const name = `dosize-${uniqueSuffix()}`;
  try {
    await withWorker(async ({ client, taskQueue }) => {
      // The emulator, as DigitalOcean, refuses a size slug it does not know (422).
      const dir = makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["mkdir -p out && echo x > out/x"], artifacts: [out/*] }\n`);
      const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue });
      assert.equal((await handle.result()).targets.length, 1);
    }, { provider: emulatorProvider(em) });
    await noDroplets(em);
  } finally {
    await em.close();
  }
});

test('with payload encryption, a droplet\'s agent gets the codec keys when it enrols, never in its user data', async () => {
  const em = await startEmulator();
  const name = `docodec-${uniqueSuffix()}`;
  const key = Buffer.alloc(32, 9).toString('base64');
  const codecEnv = { TAGSHIP_CODEC_KEYS: `k9:${key}`, TAGSHIP_CODEC_KEY_ID: 'k9' };
  try {
    await withWorker(async ({ client, taskQueue }) => {
      // The agent decodes its inputs and encodes its results with the keys: the release completes only if it has them.
      const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: project(name), taskQueue });
      assert.equal((await handle.result()).targets.length, 1);
      assert.equal(em.userData.size, 1);
      for (const [droplet, data] of em.userData) {
        assert.match(data, /TAGSHIP_ENROLMENT/, `${droplet} enrols`);
        assert.ok(!data.includes(key) && !data.includes('TAGSHIP_CODEC_KEYS'), `${droplet}'s user data (served by the metadata service all its life) holds no codec key`);
      }
    }, { provider: emulatorProvider(em), codecEnv });
    await noDroplets(em);
  } finally {
    await em.close();
  }
});

test('droplets are told the gateway\'s public URL (TAGSHIP_GATEWAY_PUBLIC_URL), not where it listens, and build through it', async () => {
  const em = await startEmulator();
  const name = `dopublic-${uniqueSuffix()}`;
  const port = await freePort();
  // A name for the same host, standing in for a public one: the droplet can only have used it.
  const publicUrl = `http://localhost:${port}`;
  try {
    await withWorker(async ({ client, taskQueue, orchestrator }) => {
      assert.equal(orchestrator.gateway.url, `http://127.0.0.1:${port}`, 'it listens on loopback');
      const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: project(name), taskQueue });
      assert.equal((await handle.result()).targets[0]!.manifest.artifacts.length > 0, true);
      assert.equal(em.userData.size, 1);
      for (const data of em.userData.values()) {
        assert.match(data, new RegExp(`^export TAGSHIP_GATEWAY_URL='${publicUrl}'$`, 'm'));
        assert.ok(!data.includes('127.0.0.1:' + String(port)), 'the listening address is not in the user data');
      }
    }, { provider: emulatorProvider(em), gatewayPort: port, gatewayPublicUrl: publicUrl });
    await noDroplets(em);
  } finally {
    await em.close();
  }
});

for (const stage of ['create', 'get', 'delete'] as const) {
  test(`rate limits, 5xx, slow answers${stage === 'delete' ? ' and lingering deletes' : ''} at ${stage === 'get' ? 'poll' : stage}: the release still completes, one droplet per machine`, async () => {
    const em = await startEmulator({ bootDelayMs: 1500 });
    const name = `dofault-${stage}-${uniqueSuffix()}`;
    em.faults.rateLimit = { routes: [stage], count: 2, retryAfterSeconds: 1 };
    em.faults.serverError = { routes: [stage], count: 2, status: 503 };
    // Slower than the provider's 1.5 s request bound: answered, but too late to be heard.
    em.faults.slow = { routes: [stage], count: 1, delayMs: 2500 };
    if (stage === 'delete') em.faults.lingerMs = 3000;
    try {
      await withWorker(async ({ client, taskQueue }) => {
        const result = await (await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: project(name), taskQueue })).handle.result();
        assert.equal(em.creates.get(result.targets[0]!.machine), 1, 'a create whose answer came too late was found, not repeated');
        assert.equal(em.faults.rateLimit!.count + em.faults.serverError!.count + em.faults.slow!.count, 0, 'every injected fault was hit');
      }, { provider: emulatorProvider(em) });
      await noDroplets(em);
    } finally {
      await em.close();
    }
  });
}

const refusals = [
  { what: 'the droplet limit', setup: (em: DoEmulator) => (em.dropletLimit = 0), size: undefined, token: undefined, expect: /droplet limit/ },
  { what: 'an unknown size', setup: () => undefined, size: 'm-huge-nope', token: undefined, expect: /invalid size.*targets\[\]\.machine\.size/ },
  { what: 'a wrong token', setup: () => undefined, size: undefined, token: 'wrong-token', expect: /refused the API token.*TAGSHIP_DO_TOKEN/ },
];

for (const r of refusals) {
  test(`${r.what} fails the release at once, non-retryable, naming the cause`, async () => {
    const em = await startEmulator();
    r.setup(em);
    const name = `dorefuse-${uniqueSuffix()}`;
    try {
      await withWorker(async ({ client, taskQueue }) => {
        const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: project(name, r.size ? { size: r.size } : {}), taskQueue });
        const err = await handle.result().then(() => assert.fail('expected a failure'), (e: unknown) => e);
        assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
        assert.equal(err.cause.type, 'ProviderRejected');
        assert.match(err.cause.message, r.expect);
      }, { provider: emulatorProvider(em, r.token ?? DO_TOKEN) });
      await noDroplets(em);
    } finally {
      await em.close();
    }
  });
}

test('a release and its target terminated from outside leave a droplet; the reaper lists it by tag and deletes it', async () => {
  const em = await startEmulator();
  const name = `doreap-${uniqueSuffix()}`;
  try {
    await withWorker(async ({ client, taskQueue }) => {
      const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: project(name, { build: 'sleep 120' }), taskQueue });
      await waitForProgress<TargetProgress>(client, `${handle.workflowId}/target/t0`, (p) => p.stage === 'building');
      await terminateFromOutside(client, handle.workflowId, 'test: killed from outside');
      assert.equal(em.droplets.size, 1, 'termination leaves the droplet');
      const report = await client.workflow.execute<(i: object) => Promise<ReaperResult>>('reaper', { taskQueue, workflowId: `reaper-${uniqueSuffix()}`, args: [{}] });
      assert.equal(report.deleted.length, 1);
      assert.match(report.deleted[0]!.reason, new RegExp(`release release:${name}:v1.0.0 is closed`));
    }, { provider: emulatorProvider(em) });
    await noDroplets(em);
  } finally {
    await em.close();
  }
});

test('a droplet its build powered off is still deleted (off is billed), and a lingering delete shows as archive until it is gone', async () => {
  const em = await startEmulator();
  em.faults.lingerMs = 1500;
  const name = `dooff-${uniqueSuffix()}`;
  try {
    await withWorker(async ({ client, taskQueue }) => {
      const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: project(name, { build: 'sleep 120' }), taskQueue });
      await waitForProgress<TargetProgress>(client, `${handle.workflowId}/target/t0`, (p) => p.stage === 'building');
      // The build runs `poweroff`; then the release is killed from outside, leaving the droplet.
      em.powerOff([...em.droplets.values()][0]!.name);
      await terminateFromOutside(client, handle.workflowId, 'test: killed from outside');
      assert.deepEqual([...em.droplets.values()].map((d) => d.status), ['off']);
      const report = await client.workflow.execute<(i: object) => Promise<ReaperResult>>('reaper', { taskQueue, workflowId: `reaper-${uniqueSuffix()}`, args: [{}] });
      assert.equal(report.deleted.length, 1);
      // Deleted, not skipped: it lingers as the API shows a droplet being destroyed, then goes.
      assert.deepEqual([...em.droplets.values()].map((d) => d.status), ['archive']);
    }, { provider: emulatorProvider(em) });
    await noDroplets(em);
  } finally {
    await em.close();
  }
});

test('SIGKILL of the orchestrator between "create accepted" and "active": one droplet, release completes, none left', async () => {
  const em = await startEmulator({ bootDelayMs: 8000 });
  const name = `dokill-${uniqueSuffix()}`;
  const env = await orchestratorEnv('dokill', { TAGSHIP_PROVIDER: 'digitalocean', TAGSHIP_DO_TOKEN: DO_TOKEN, TAGSHIP_DO_API_URL: em.apiUrl });
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const client = new Client({ connection });
  let orchestrator = await startOrchestrator(env);
  try {
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: project(name), taskQueue: env.TAGSHIP_TASK_QUEUE });
    for (let i = 0; i < 200 && ![...em.droplets.values()].some((d) => d.status === 'new'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok([...em.droplets.values()].some((d) => d.status === 'new'), 'the create was accepted and the droplet is still booting');
    const exited = new Promise((r) => orchestrator.once('exit', r));
    orchestrator.kill('SIGKILL');
    await exited;
    orchestrator = await startOrchestrator(env);
    const result = await handle.result();
    assert.equal(em.creates.get(result.targets[0]!.machine), 1, 'the retried create found the droplet instead of making another');
    assert.equal(em.creates.size, 1);
    await noDroplets(em);
  } finally {
    orchestrator.kill('SIGKILL');
    await connection.close();
    await em.close();
  }
});
