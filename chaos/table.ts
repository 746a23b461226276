// The chaos run's figures: one record per release, summed per suite into a table that prints
// each figure beside its goal (0 machines left, 0 double publishes, 0 failed client reads,
// every release completed or failed with a reason). Pure.

export interface ReleaseRecord {
  suite: string;
  tag: string;
  /** What was done to it: "SIGKILL at 12.3 s", "server down 3.1 s at 40.2 s", … */
  disruption: string;
  outcome: 'completed' | 'failed' | 'stuck';
  /** Why it failed, in its own words (empty when it did not say). */
  reason?: string;
  wallMs: number;
  /** Wall time beyond the undisturbed release's. */
  lostMs: number;
  machinesLeft: number;
  doublePublishes: number;
  clientReads: number;
  clientReadFailures: number;
}

export interface SuiteRow {
  suite: string;
  releases: number;
  completed: number;
  failedWithReason: number;
  failedSilently: number;
  stuck: number;
  machinesLeft: number;
  doublePublishes: number;
  clientReads: number;
  clientReadFailures: number;
  lostP50Ms: number;
  lostMaxMs: number;
}

function quantile(values: number[], q: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function summarize(records: ReleaseRecord[], extraReads: Record<string, { reads: number; failures: number }> = {}): SuiteRow[] {
  const suites = [...new Set([...records.map((r) => r.suite), ...Object.keys(extraReads)])];
  return suites.map((suite) => {
    const rs = records.filter((r) => r.suite === suite);
    const sum = (f: (r: ReleaseRecord) => number) => rs.reduce((n, r) => n + f(r), 0);
    const extra = extraReads[suite] ?? { reads: 0, failures: 0 };
    return {
      suite,
      releases: rs.length,
      completed: rs.filter((r) => r.outcome === 'completed').length,
      failedWithReason: rs.filter((r) => r.outcome === 'failed' && !!r.reason?.trim()).length,
      failedSilently: rs.filter((r) => r.outcome === 'failed' && !r.reason?.trim()).length,
      stuck: rs.filter((r) => r.outcome === 'stuck').length,
      machinesLeft: sum((r) => r.machinesLeft),
      doublePublishes: sum((r) => r.doublePublishes),
      clientReads: sum((r) => r.clientReads) + extra.reads,
      clientReadFailures: sum((r) => r.clientReadFailures) + extra.failures,
      lostP50Ms: quantile(rs.map((r) => r.lostMs), 0.5),
      lostMaxMs: quantile(rs.map((r) => r.lostMs), 1),
    };
  });
}

/** Which goals a row misses, in words; empty when it meets them all. */
export function missedGoals(row: SuiteRow): string[] {
  const missed: string[] = [];
  if (row.machinesLeft) missed.push(`${row.machinesLeft} machines left`);
  if (row.doublePublishes) missed.push(`${row.doublePublishes} double publishes`);
  if (row.clientReadFailures) missed.push(`${row.clientReadFailures} failed client reads`);
  if (row.failedSilently) missed.push(`${row.failedSilently} failed without a reason`);
  if (row.stuck) missed.push(`${row.stuck} neither completed nor failed`);
  return missed;
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function formatTable(rows: SuiteRow[]): string {
  const head = ['suite', 'releases', 'completed', 'failed (reason)', 'machines left (goal 0)', 'double publishes (goal 0)', 'client reads failed (goal 0)', 'time lost p50 / max', 'goals'];
  const lines = rows.map((r) => [
    r.suite,
    String(r.releases),
    String(r.completed),
    `${r.failedWithReason}${r.failedSilently ? ` + ${r.failedSilently} silent` : ''}${r.stuck ? ` + ${r.stuck} stuck` : ''}`,
    String(r.machinesLeft),
    String(r.doublePublishes),
    `${r.clientReadFailures} of ${r.clientReads}`,
    `${s(r.lostP50Ms)} / ${s(r.lostMaxMs)}`,
    missedGoals(r).length ? `MISSED: ${missedGoals(r).join(', ')}` : 'met',
  ]);
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');
}
