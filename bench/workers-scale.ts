// Beyond one host (issue 26), in figures: releases per minute with one worker process and with
// three on one task queue (each its own state folder, sharing the S3 store, the agent token and
// the provenance key; simulated machines), and the bytes of one release that pass through the
// orchestrator host — artifacts in through its gateway, the source out — with artifacts sent
// through the gateway (before) and straight to the store (after). Beside each run (issue 22):
// the slowest workflow tasks of a sample of histories (goal: none over 1 s), each worker
// process's peak RSS per release it carried, and a 100-target release's history size.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
import { recordGoal } from './goals.ts';

const MIB = 2 ** 20;

/** A workflow's workflow tasks, started to completed, in milliseconds. */
async function workflowTaskMs(client: Client, workflowId: string): Promise<number[]> {
  const started = new Map<string, number>();
  const out: number[] = [];
  for (const e of (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? []) {
    const at = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
    if (e.workflowTaskStartedEventAttributes) started.set(String(e.eventId), at);
    const done = e.workflowTaskCompletedEventAttributes;
    if (done) out.push(at - (started.get(String(done.startedEventId)) ?? at));
  }
  return out;
}

/** The peak resident set of a process (VmHWM), in bytes; 0 where /proc cannot say. */
function peakRss(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

interface Throughput {
  perMinute: number;
  failed: number;
  wallS: number;
  /** The slowest workflow task of a sample of releases and their target children. */
  taskMs: { p99: number; max: number; over1s: number; sampled: number };
  /** Peak RSS of each worker process, over the releases it shared. */
  rssPerReleaseKiB: number;
  peakRssMiB: number[];
}

/** `count` one-target releases started at once on `workers` worker processes. */
async function throughput(s3: S3Server, workers: number, count: number): Promise<Throughput> {
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
    const sample = Array.from({ length: Math.min(count, 20) }, (_, i) => `release:${name}:v1.0.${Math.floor((i * count) / Math.min(count, 20))}`);
    const tasks = (await Promise.all(sample.flatMap((id) => [workflowTaskMs(client, id), workflowTaskMs(client, `${id}/target/t`)]))).flat();
    const peaks = procs.map((p) => peakRss(p.pid));
    return {
      perMinute: (outcomes.filter(Boolean).length / wallS) * 60,
      failed: outcomes.filter((o) => !o).length,
      wallS,
      taskMs: { p99: quantile(tasks, 0.99), max: Math.max(0, ...tasks), over1s: tasks.filter((t) => t > 1000).length, sampled: tasks.length },
      rssPerReleaseKiB: peaks.reduce((a, b) => a + b, 0) / count / 1024,
      peakRssMiB: peaks.map((b) => b / MIB),
    };
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

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;

/** One release of `targets` targets on one simulated worker: its history's size, and its
 *  children's. */
async function wideRelease(targets: number): Promise<{ events: number; bytes: number; childEvents: number; wallS: number; ok: boolean }> {
  const name = `wide-${randomBytes(3).toString('hex')}`;
  const t = (i: number) => `  - { name: t${i}, arch: amd64, os: generic, build: ["mkdir -p out && echo ${i} > out/x"], artifacts: [out/x] }\n`;
  const dir = makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n${Array.from({ length: targets }, (_, i) => t(i)).join('')}`);
  return withSimulatedWorker(
    async ({ client, taskQueue }) => {
      const t0 = performance.now();
      const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue });
      const ok = await handle.result().then(() => true, () => false);
      const info = (await handle.describe()).raw.workflowExecutionInfo;
      const child = (await client.workflow.getHandle(`${handle.workflowId}/target/t0`).describe()).raw.workflowExecutionInfo;
      return { events: Number(info?.historyLength ?? 0), bytes: Number(info?.historySizeBytes ?? 0), childEvents: Number(child?.historyLength ?? 0), wallS: (performance.now() - t0) / 1000, ok };
    },
    { workRoot: mkdtempSync(join(tmpdir(), 'tagship-bench-machines-')), provisionMs: () => 200 },
  );
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
    const goal = (met: boolean) => (met ? 'met' : 'missed');
    for (const [label, r] of [['1 worker: ', one], ['3 workers:', three]] as const) {
      console.log(`  ${label} ${r.perMinute.toFixed(0)} releases/min (${r.wallS.toFixed(1)} s, ${r.failed} failed; goal 0 errors: ${goal(r.failed === 0)})`);
      console.log(`             workflow tasks (${r.taskMs.sampled} sampled): p99 ${r.taskMs.p99} ms, max ${r.taskMs.max} ms, ${r.taskMs.over1s} over 1 s (goal none: ${goal(r.taskMs.over1s === 0)})`);
      console.log(`             worker peak RSS ${r.peakRssMiB.map((m) => `${m.toFixed(0)} MiB`).join(', ')} — ${r.rssPerReleaseKiB.toFixed(0)} KiB per release carried (each worker's machines' agents in a process of their own)`);
    }
    const ratio = three.perMinute / one.perMinute;
    recordGoal(`${count} releases on 3 workers: errors`, String(three.failed), '0', three.failed === 0);
    recordGoal('3 workers against 1: throughput', `${ratio.toFixed(2)}×`, '≥ 2.5×', ratio >= 2.5);
    recordGoal('workflow tasks over 1 s (3 workers, sampled)', `${three.taskMs.over1s} of ${three.taskMs.sampled} (max ${three.taskMs.max} ms)`, 'none', three.taskMs.over1s === 0);
    recordGoal('worker RSS per release carried (3 workers)', `${three.rssPerReleaseKiB.toFixed(0)} KiB`, 'reported', true);
    console.log(`  3 workers give ${ratio.toFixed(2)}× one worker's throughput (goal ≥ 2.5×: ${goal(ratio >= 2.5)}; three processes share this host's 2 cores)`);
    const wide = await wideRelease(100);
    recordGoal('a 100-target release', `${wide.ok ? 'completed' : 'FAILED'}, ${wide.events} events, ${(wide.bytes / 1024).toFixed(0)} KiB`, 'completes; size reported', wide.ok);
    console.log(`\na 100-target release (simulated machines, one worker): ${wide.ok ? 'completed' : 'FAILED'} in ${wide.wallS.toFixed(1)} s; release history ${wide.events} events, ${(wide.bytes / 1024).toFixed(0)} KiB; each target child ${wide.childEvents} events (Temporal warns at 10,240 events / 10 MiB and stops a workflow at 51,200 / 50 MiB)`);
  } finally {
    await s3.close();
  }
}
