// Hook → workflow started, at a fixed rate against a real Temporal dev server: each signed tag
// push is answered once its release workflow has started (on a queue no worker polls, so only
// the start is measured), and the answer's latency is recorded. Open loop: requests go out on
// schedule whether or not earlier ones were answered, as a forge sends them.
import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { startHookServer } from '../client/hooks/server.ts';
import { startRelease } from '../client/release.ts';

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;

export async function hookStartLatency(client: Client, perSecond = 50, seconds = 10): Promise<void> {
  const secret = 'bench-secret';
  const project = `hooks-${Date.now().toString(36)}`;
  const taskQueue = `nobody-${project}`;
  const server = await startHookServer({
    projects: { [project]: { secret } },
    startRelease: async (p, tag, commit) => {
      const { handle, existing } = await startRelease(client, { project: p, tag, taskQueue, fromHook: true, ...(commit ? { commit } : {}) });
      return { workflowId: handle.workflowId, existing };
    },
  });
  const latencies: number[] = [];
  let failed = 0;
  const total = perSecond * seconds;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: total }, async (_, i) => {
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + (i * 1000) / perSecond - performance.now())));
      const body = JSON.stringify({ ref: `refs/tags/v1.0.${i}`, deleted: false, after: 'a'.repeat(40) });
      const sig = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const sent = performance.now();
      const res = await fetch(`${server.url}/hooks/github/${project}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': sig }, body });
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 201) latencies.push(performance.now() - sent);
      else failed++;
    }),
  );
  await server.close();
  // The releases started here never run; end them so the server holds nothing open.
  await Promise.all(Array.from({ length: total }, (_, i) => client.workflow.getHandle(`release:${project}:v1.0.${i}`).terminate('bench: only the start was measured').catch(() => undefined)));
  console.log(`hook → workflow started at ${perSecond} req/s for ${seconds} s: ${latencies.length} started, ${failed} failed; p50 ${quantile(latencies, 0.5).toFixed(0)} ms, p99 ${quantile(latencies, 0.99).toFixed(0)} ms`);
}
