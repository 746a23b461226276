// The shape of the pipeline tagship replaces (Veilid's GitLab jobs, ../shared/seeds): every
// build machine created up front, stages strictly in sequence, each job started only after a
// runner polls for it (GitLab runners poll every 3 s by default), and the machines deleted only
// after the repositories are signed. Run with real sleeps, so its wall time is measured, not
// computed; its spans draw the same timeline picture as tagship's.
import type { Span } from '../core/timeline.ts';

export interface Shape {
  gateMs: number;
  /** The runner's poll interval: a job waits this long before it starts. */
  pollMs: number;
  targets: { name: string; os: 'deb' | 'rpm'; provisionMs: number; buildMs: number }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runSeedShape(shape: Shape, measured: { repositoriesMs: number; deployMs: number; deleteMs: number }): Promise<{ wallMs: number; machineSeconds: number; spans: Span[] }> {
  const spans: Span[] = [];
  const job = async (row: string, ms: number): Promise<void> => {
    const queued = Date.now();
    await sleep(shape.pollMs);
    const start = Date.now();
    spans.push({ row, start: queued, end: start, kind: 'queued' });
    await sleep(ms);
    spans.push({ row, start, end: Date.now(), kind: 'step' });
  };
  const t0 = Date.now();
  await job('test', shape.gateMs);
  const created = Date.now();
  await Promise.all(shape.targets.map((t) => job(`create machine ${t.name}`, t.provisionMs)));
  await Promise.all(shape.targets.map((t) => job(`build ${t.name}`, t.buildMs)));
  await job('repositories (sign)', measured.repositoriesMs);
  await job('delete machines', measured.deleteMs);
  const deleted = Date.now();
  for (const t of shape.targets) spans.push({ row: `machine ${t.name}`, start: created, end: deleted, kind: 'machine' });
  await job('deploy', measured.deployMs);
  return { wallMs: Date.now() - t0, machineSeconds: ((deleted - created) / 1000) * shape.targets.length, spans };
}
