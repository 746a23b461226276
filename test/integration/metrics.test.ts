// The worker's Prometheus endpoint (TAGSHIP_METRICS_ADDRESS): scraped after a completed release
// and one whose gate failed, it holds tagship's counters — releases by project, outcome and
// failure type, machine-seconds — beside the SDK's own workflow and activity metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { temporalAddress, uniqueSuffix } from '../helpers/temporal.ts';
import { makeProject } from '../helpers/projects.ts';
import { orchestratorEnv, startOrchestrator } from '../helpers/orchestrator-process.ts';
import { freePort } from '../../providers/net/ports.ts';
import { startRelease } from '../../client/release.ts';

/** The value of the first sample of `metric` whose labels include every one given, or null. */
function sample(text: string, metric: string, labels: Record<string, string>): number | null {
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${metric}\\{([^}]*)\\} ([0-9.e+-]+)$`).exec(line);
    if (!m) continue;
    const have: Record<string, string> = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[2]);
  }
  return null;
}

test('the metrics endpoint counts releases by outcome and failure type, machine-seconds, and carries the SDK\'s metrics', async () => {
  const project = `metrics-${uniqueSuffix()}`;
  const port = await freePort();
  const env = { ...(await orchestratorEnv('metrics')), TAGSHIP_METRICS_ADDRESS: `127.0.0.1:${port}` };
  const passing = makeProject(`project: ${project}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["sleep 1; mkdir -p out && echo ok > out/t.txt"], artifacts: [out/*] }\n`);
  const failing = makeProject(`project: ${project}\ntestGate: { command: "exit 3" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["true"], artifacts: [out/*] }\n`);
  let orchestrator: ChildProcess | undefined;
  const connection = await Connection.connect({ address: temporalAddress() });
  try {
    orchestrator = await startOrchestrator(env);
    const client = new Client({ connection });
    await (await startRelease(client, { project, tag: 'v1.0.0', projectDir: passing, taskQueue: env.TAGSHIP_TASK_QUEUE })).handle.result();
    await (await startRelease(client, { project, tag: 'v1.0.1', projectDir: failing, taskQueue: env.TAGSHIP_TASK_QUEUE })).handle.result().catch(() => undefined);
    // The exporter is read as Prometheus would; counters appear once they have been added to.
    let text = '';
    for (let i = 0; i < 50; i++) {
      text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      if (sample(text, 'tagship_releases', { project, outcome: 'failed' }) !== null) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(sample(text, 'tagship_releases', { project, outcome: 'completed', failure_type: '' }), 1, text.split('\n').filter((l) => l.startsWith('tagship_')).join('\n'));
    assert.equal(sample(text, 'tagship_releases', { project, outcome: 'failed', failure_type: 'TestGateFailed' }), 1);
    assert.ok((sample(text, 'tagship_machine_seconds', { project }) ?? 0) >= 1, 'the build machine\'s time was counted');
    assert.match(text, /^temporal_workflow_completed\{/m, 'the SDK\'s own metrics are there too');
    assert.match(text, /^temporal_activity_execution_latency/m);
  } finally {
    await connection.close();
    if (orchestrator && orchestrator.exitCode === null) {
      const gone = new Promise((r) => orchestrator!.once('exit', r));
      orchestrator.kill('SIGTERM');
      await gone;
    }
  }
});
