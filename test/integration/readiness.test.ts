// The orchestrator's probes (issue 20): GET /healthz answers while the process serves, GET /readyz
// only while its worker polls — a readiness probe keeps traffic and rollouts waiting until then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { NativeConnection } from '@temporalio/worker';
import { createOrchestratorWorker } from '../../workers/orchestrator.ts';
import { connectClient } from '../../providers/temporal/connect.ts';
import { temporalAddress, uniqueSuffix } from '../helpers/temporal.ts';

test('/readyz is 503 until the worker polls and 200 while it does; /healthz is 200 throughout', async () => {
  const address = temporalAddress();
  const connection = await NativeConnection.connect({ address });
  const { client, close } = await connectClient({ temporalAddress: address, namespace: 'default' }, {});
  const bundle = process.env.TAGSHIP_WORKFLOW_BUNDLE;
  try {
    const w = await createOrchestratorWorker({ connection, taskQueue: `ready-${uniqueSuffix()}`, stateDir: mkdtempSync(join(tmpdir(), 'tagship-ready-')), temporalAddress: address, client, gatewayPort: 0, ...(bundle ? { workflowBundle: { codePath: bundle } } : {}) });
    const probe = async (path: string) => {
      const res = await fetch(`${w.orchestrator.gateway.url}/${path}`);
      return { status: res.status, body: (await res.json()) as unknown };
    };
    assert.deepEqual(await probe('readyz'), { status: 503, body: { ready: false } }, 'created, not polling yet');
    assert.deepEqual(await probe('healthz'), { status: 200, body: { ok: true } });
    const running = await w.runUntil(async () => {
      for (let i = 0; i < 50 && w.worker.getState() !== 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 100));
      return probe('readyz');
    });
    assert.deepEqual(running, { status: 200, body: { ready: true } });
  } finally {
    await close();
    await connection.close();
  }
});
