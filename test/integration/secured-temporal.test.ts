// tagship against a secured Temporal (issue 26): the frontend behind TLS that asks every client
// for a certificate (Debian's nginx as a gRPC proxy in front of the dev server). The connection
// comes from the SDK's own client configuration (TEMPORAL_TLS_* here); a client with no
// certificate, or one of another CA, is refused; a whole release runs through it — the worker,
// the client, and a docker machine's agent, whose relay holds the certificate the machine never
// sees.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { temporalAddress, uniqueSuffix } from '../helpers/temporal.ts';
import { containersOf, makeProject } from '../helpers/projects.ts';
import { orchestratorEnv, startOrchestrator } from '../helpers/orchestrator-process.ts';
import { startTlsProxy, type TlsProxy } from '../helpers/tls-proxy.ts';
import { connectClient } from '../../providers/temporal/connect.ts';
import { startRelease } from '../../client/release.ts';

let proxy: TlsProxy;

before(async () => {
  proxy = await startTlsProxy(temporalAddress());
});

after(async () => {
  await proxy?.stop();
});

const settings = (address: string) => ({ temporalAddress: address, namespace: 'default' });

async function reaches(env: Record<string, string>): Promise<true | string> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const { client, close } = await connectClient(settings(proxy.address));
    try {
      await client.workflowService.getSystemInfo({});
      return true;
    } finally {
      await close();
    }
  } catch (err) {
    return (err as Error).message;
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

test('only a client with a certificate of the trusted CA gets through', async () => {
  assert.equal(await reaches(proxy.clientEnv), true);
  assert.notEqual(await reaches(proxy.anonymousEnv), true, 'no client certificate');
  assert.notEqual(await reaches(proxy.strangerEnv), true, 'a certificate of another CA');
  assert.notEqual(await reaches({}), true, 'plain gRPC');
});

test('a release runs wholly through the secured frontend: worker, client and the machine\'s agent', async () => {
  const name = `tls-${uniqueSuffix()}`;
  const dir = makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["mkdir -p out && echo through-tls > out/t.txt"], artifacts: [out/*] }\n`);
  const env = { ...(await orchestratorEnv('tls')), TEMPORAL_ADDRESS: proxy.address, ...proxy.clientEnv };
  let orchestrator: ChildProcess | undefined;
  const saved = { ...process.env };
  Object.assign(process.env, proxy.clientEnv);
  try {
    orchestrator = await startOrchestrator(env);
    const { client, close } = await connectClient(settings(proxy.address));
    try {
      const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue: env.TAGSHIP_TASK_QUEUE });
      const result = await handle.result();
      assert.equal(result.targets[0]?.manifest.artifacts[0]?.name, 't.txt');
      assert.deepEqual(await containersOf(handle.workflowId), []);
    } finally {
      await close();
    }
  } finally {
    for (const k of Object.keys(proxy.clientEnv)) if (saved[k] === undefined) delete process.env[k];
    if (orchestrator && orchestrator.exitCode === null) {
      const gone = new Promise((r) => orchestrator!.once('exit', r));
      orchestrator.kill('SIGTERM');
      await gone;
    }
  }
});
