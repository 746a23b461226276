// Beyond one host (issue 26), in figures: releases per minute with one worker process and with
// three on one task queue (each its own state folder, sharing the S3 store, the agent token and
// the provenance key; simulated machines), and the bytes of one release that pass through the
// orchestrator host — artifacts in through its gateway, the source out — with artifacts sent
// through the gateway (before) and straight to the store (after).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { startS3Server, type S3Server } from '../embedded/s3-server.ts';
import { S3ArtifactStore } from '../providers/artifacts-s3/store.ts';
import { REPO_ROOT } from '../providers/paths.ts';
import { orchestratorEnv, sharedHostsEnv, startOrchestrator } from '../test/helpers/orchestrator-process.ts';
import { makeProject } from '../test/helpers/projects.ts';
import { startRelease } from '../client/release.ts';
import { withSimulatedWorker } from './simulated.ts';

const MIB = 2 ** 20;

/** `count` one-target releases started at once on `workers` worker processes. */
async function throughput(s3: S3Server, workers: number, count: number): Promise<{ perMinute: number; failed: number; wallS: number }> {
  const hosts = sharedHostsEnv(`scale-${workers}-${randomBytes(4).toString('hex')}`, s3);
  const shared = hosts.env;
  const envs = await Promise.all(Array.from({ length: workers }, () => orchestratorEnv('scale', shared)));
  const procs: ChildProcess[] = [];
  const connection = await Connection.connect({ address: envs[0]!.TEMPORAL_ADDRESS });
  try {
    for (const env of envs) procs.push(await startOrchestrator(env, undefined, join(REPO_ROOT, 'bench', 'simulated-worker.ts')));
    const client = new Client({ connection });
    const name = `scale${workers}-${randomBytes(3).toString('hex')}`;
    const dir = makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["sleep 1 && mkdir -p out && echo x > out/x"], artifacts: [out/x] }\n`);
    const t0 = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const { handle } = await startRelease(client, { project: name, tag: `v1.0.${i}`, projectDir: dir, taskQueue: shared.TAGSHIP_TASK_QUEUE });
        return handle.result().then(() => true, () => false);
      }),
    );
    const wallS = (performance.now() - t0) / 1000;
    return { perMinute: (outcomes.filter(Boolean).length / wallS) * 60, failed: outcomes.filter((o) => !o).length, wallS };
  } finally {
    for (const p of procs) {
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    await connection.close();
    for (const env of envs) rmSync(env.TAGSHIP_STATE_DIR, { recursive: true, force: true });
    hosts.close();
  }
}

/** The bytes through the orchestrator host for one release with a 4 MiB artifact. */
async function bytesThroughHost(s3: S3Server, direct: boolean): Promise<{ artifacts: number; source: number }> {
  const store = new S3ArtifactStore({ bucket: s3.bucket, endpoint: s3.endpoint, credentials: s3.credentials, cacheDir: mkdtempSync(join(tmpdir(), 'tagship-bench-cache-')) });
  const name = `bytes-${direct ? 'direct' : 'gateway'}-${randomBytes(3).toString('hex')}`;
  const dir = makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["mkdir -p out && head -c ${4 * MIB} /dev/urandom > out/a.bin"], artifacts: [out/*] }\n`);
  return withSimulatedWorker(
    async ({ client, taskQueue, orchestrator }) => {
      await (await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue })).handle.result();
      return { artifacts: orchestrator.gateway.traffic.artifactBytesIn, source: orchestrator.gateway.traffic.sourceBytesOut };
    },
    { workRoot: mkdtempSync(join(tmpdir(), 'tagship-bench-machines-')), provisionMs: () => 200, directUploads: direct },
    { artifacts: store },
  );
}

export async function workerScale(count: number): Promise<void> {
  const s3 = await startS3Server();
  try {
    const before = await bytesThroughHost(s3, false);
    const after = await bytesThroughHost(s3, true);
    const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
    console.log('\nbytes through the orchestrator host, one release with a 4 MiB artifact (S3 store, simulated machines):');
    console.log(`  artifacts through the gateway: ${kib(before.artifacts)} in, source ${kib(before.source)} out`);
    console.log(`  artifacts presigned to S3:     ${kib(after.artifacts)} in, source ${kib(after.source)} out`);
    const one = await throughput(s3, 1, count);
    const three = await throughput(s3, 3, count);
    console.log(`\n${count} one-target releases at once (1 s builds, simulated machines, S3 store), worker processes on one task queue:`);
    console.log(`  1 worker:  ${one.perMinute.toFixed(0)} releases/min (${one.wallS.toFixed(1)} s, ${one.failed} failed)`);
    console.log(`  3 workers: ${three.perMinute.toFixed(0)} releases/min (${three.wallS.toFixed(1)} s, ${three.failed} failed) — ${(three.perMinute / one.perMinute).toFixed(2)}× one worker, on this host's 2 cores`);
  } finally {
    await s3.close();
  }
}
