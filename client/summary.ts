// What `tagship release status` prints for a finished release: what an operator asks first —
// which version, which commit, how long, which machines for how long, what was published and
// where the repositories are; for a container app, the image and chart by digest and the QA
// record it shipped on. Pure.
import type { ReleaseResult } from '../workflows/types.ts';

export interface RunTimes {
  startTime: Date;
  closeTime?: Date;
  /** For a retry: when the release's first run started. */
  firstStart?: Date;
}

function took(t: RunTimes): string {
  if (!t.closeTime) return '';
  const seconds = (from: Date) => Math.round((t.closeTime!.getTime() - from.getTime()) / 1000);
  return ` in ${seconds(t.startTime)} s${t.firstStart && t.firstStart < t.startTime ? ` (${seconds(t.firstStart)} s since its first run started)` : ''}`;
}

function outcomes(map: Record<string, string> | undefined): string {
  return Object.entries(map ?? {}).map(([name, outcome]) => `${name} (${outcome})`).join(', ');
}

export function sourceLine(s: ReleaseResult['source']): string {
  if (!s) return 'unknown (released before commits were recorded)';
  if (!s.commit) return `working tree, UNREPRODUCIBLE (source sha256 ${s.sha256})`;
  return [`${s.commit}`, s.repository ? `from ${s.repository}` : '', s.signedBy ? `tag signed by ${s.signedBy}` : ''].filter(Boolean).join(', ');
}

export function renderSummary(workflowId: string, r: ReleaseResult, t: RunTimes): string[] {
  const lines = [
    `${workflowId}: completed${took(t)}`,
    `  version       ${r.version} (${r.channel}), tag ${r.tag}`,
    `  commit        ${sourceLine(r.source)}`,
    ...(r.source ? [`  source        sha256 ${r.source.sha256}${r.source.configDigest ? `, tagship.yml ${r.source.configDigest}` : ''}`] : []),
    `  targets       ${r.targets.length}, ${r.machineSeconds} machine-seconds${r.estimatedCost ? ` (≈ ${r.estimatedCost.amount} ${r.estimatedCost.currency})` : ''}`,
    ...(r.gateCache ? [`  test gate     ${cacheNote(r.gateCache).slice(2)}`] : []),
    ...r.targets.map((x) => `    ${x.target.padEnd(12)} ${x.reused ? `kept from an earlier run (${x.machineSeconds} machine-seconds there)` : `${x.machineSeconds} machine-seconds on ${x.machine}`}, ${x.manifest.artifacts.length} artifact(s)${cacheNote(x.dependencyCache)}`),
  ];
  // By publish pipe, in the order they ran.
  for (const [id, e] of Object.entries(r.environments ?? {})) lines.push(`  environment   ${id}: ${e.image} (${e.reused ? 'built by an earlier release' : 'built now'})`);
  for (const [pipe, sent] of Object.entries(r.published ?? {})) lines.push(`  ${pipe.padEnd(13)} ${outcomes(sent)}`);
  if (r.checksums) lines.push(`  checksums     ${r.checksums.file} over ${r.checksums.files} file(s), ${r.checksums.signedBy ? `signed by ${r.checksums.signedBy}` : 'unsigned (tagship.yml names no key)'}`);
  if (r.repositories) {
    // Each repository's suite (debSuite, rpmSuite, …), as the repositories pipe reported them.
    const suites = Object.entries(r.repositories).filter(([k]) => k.endsWith('Suite')).map(([k, v]) => `${k.slice(0, -'Suite'.length)} ${String(v)}`).join(', ');
    lines.push(`  repositories  ${r.repositories.live}${suites ? ` (${suites})` : ''}`);
  }
  if (r.app) {
    lines.push(`  image         ${r.app.reference} = ${r.app.digest} (${r.app.versionTag}; latest ${r.app.latest}: ${r.app.latestReason})`);
    if (r.app.chart) lines.push(`  chart         ${r.app.chart.reference} ${r.app.chart.version} (${r.app.chart.outcome})`);
    lines.push(`  QA            record of ${r.app.qa.commit} from ${r.app.qa.run.workflowId}, kept until ${r.app.qa.expiresAt}; report at ${r.app.report.path}`);
    if (r.velocitas) lines.push(`  velocitas     ${r.velocitas.appName}: ${r.velocitas.files.join(', ')} beside the report`);
  }
  if (r.dryRun) {
    lines.push('  dry run       nothing was published or deployed');
    for (const [pipe, files] of Object.entries(r.dryRun.wouldPublish)) lines.push(`    would publish (${pipe}) ${files.join(', ') || 'nothing'}`);
    if (r.dryRun.staged) lines.push(`    staged        ${r.dryRun.staged} (signed, not deployed)`);
    if (r.dryRun.skipped.length) lines.push(`    not run       ${r.dryRun.skipped.join(', ')}`);
  }
  if (r.resumed) lines.push(`  resumed       after run ${r.resumed.previousRunId}; kept ${r.resumed.kept.join(', ') || 'nothing'}`);
  return lines;
}

/** ", cache: 212 file(s) in, 3 kept" for a target whose build had dependency caches. */
function cacheNote(c: ReleaseResult['gateCache']): string {
  if (!c) return '';
  return `, cache: ${c.restored} file(s) in, ${c.stored} kept${c.problem ? ` (${c.problem})` : ''}`;
}
