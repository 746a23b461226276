// An artifact whose upload takes over a minute (a slow link between the machine and the
// gateway): the upload heartbeats its progress all the way, so it is not timed out and retried
// while it still runs, and it is stored once, whole, with no temporary file left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { defaultPayloadConverter } from '@temporalio/common';
import { join } from 'node:path';
import { uniqueSuffix, waitForProgress, withWorker } from '../helpers/temporal.ts';
import { makeProject } from '../helpers/projects.ts';
import { dropletsLeft, emulatorProvider, startEmulator } from '../helpers/digitalocean.ts';
import { startThrottleProxy } from '../helpers/throttle-proxy.ts';
import { startRelease } from '../../client/release.ts';
import type { TargetProgress } from '../../workflows/types.ts';

const SIZE = 12 * 1024 * 1024;
const RATE = 160 * 1024; // bytes per second: ~77 s for the artifact

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

test('a 12 MiB artifact through a 160 KiB/s link: one upload attempt, progress in its heartbeats, stored whole', async () => {
  const name = `slow-upload-${uniqueSuffix()}`;
  const dir = makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n  - { name: big, arch: amd64, os: generic, machine: { size: s-2vcpu-4gb }, build: ["mkdir -p out && head -c ${SIZE} /dev/urandom > out/big.bin"], artifacts: [out/*] }\n`);
  const em = await startEmulator();
  let gateway = '';
  const proxy = await startThrottleProxy(() => gateway, RATE);
  try {
    await withWorker(async ({ client, taskQueue, stateDir }) => {
      const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue });
      const child = client.workflow.getHandle(`${handle.workflowId}/target/big`);
      await waitForProgress<TargetProgress>(client, child.workflowId, (p) => p.stage === 'uploading', 300_000);

      // While it uploads, the Web UI shows how far it got: heartbeat details with bytes sent.
      const seen: number[] = [];
      while ((await child.describe()).status.name === 'RUNNING' && seen.length < 5) {
        const pending = (await child.describe()).raw.pendingActivities?.find((a) => a.activityType?.name === 'agentUpload');
        const payload = pending?.heartbeatDetails?.payloads?.[0];
        const details = payload ? defaultPayloadConverter.fromPayload<{ sent?: number } | undefined>(payload) : undefined;
        if (details?.sent !== undefined) seen.push(details.sent);
        await new Promise((r) => setTimeout(r, 8_000));
      }
      assert.ok(seen.length >= 2 && seen.at(-1)! > seen[0]!, `the upload's heartbeats carry growing progress (saw ${seen.join(', ')})`);

      const result = await handle.result();
      const artifact = result.targets[0]!.manifest.artifacts.find((a) => a.name === 'big.bin');
      assert.equal(artifact?.size, SIZE, 'stored whole');

      const history = await child.fetchHistory();
      const uploads = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'agentUpload').map((e) => String(e.eventId));
      const started = (history.events ?? []).map((e) => e.activityTaskStartedEventAttributes).filter((a) => a && uploads.includes(String(a.scheduledEventId)));
      assert.deepEqual(started.map((a) => a!.attempt), [1], 'the upload ran once: it was never timed out and retried while it still ran');
      assert.deepEqual(filesUnder(join(stateDir, 'artifacts')).filter((f) => f.endsWith('.partial')), [], 'no temporary upload file is left');
      assert.deepEqual(await dropletsLeft(em), { droplets: 0, containers: [] }, 'the droplet is gone');
    }, {
      provider: (ctx) => {
        gateway = ctx.gatewayUrl;
        return emulatorProvider(em)({ ...ctx, gatewayUrl: proxy.url });
      },
    });
  } finally {
    await proxy.close();
    await em.close();
  }
});
