// A QA record as lines for the terminal (`tagship qa show`, `tagship ci run`): every gate with
// its verdict, the images by digest, what the scan found and allowed, the SBOMs. Pure.
import { GATE_ORDER, requiredGates, type QaRecord } from './record.ts';


export function qaSummary(r: QaRecord, nowMs: number): string[] {
  const expired = Date.parse(r.expiresAt) <= nowMs;
  const lines = [
    `QA record of ${r.project} ${r.commit} (${r.ref.replace(/^refs\/heads\//, '')})`,
    `  CI run      ${r.run.workflowId} (run ${r.run.runId})`,
    `  ran         ${r.startedAt} → ${r.finishedAt}`,
    `  kept until  ${r.expiresAt}${expired ? '  EXPIRED: releases no longer accept it' : ''}`,
  ];
  for (const g of GATE_ORDER) {
    const o = r.gates[g];
    const mark = !o ? '·' : o.passed ? '✓' : '✗';
    lines.push(`  ${mark} ${g.padEnd(12)}${o ? o.message.split('\n')[0] : 'did not run'}`);
  }
  if (r.images) {
    lines.push(`  image       ${r.images.repository}@${r.images.index}`);
    for (const [arch, digest] of Object.entries(r.images.platforms)) lines.push(`    ${arch.padEnd(10)}${digest}`);
  }
  for (const [arch, s] of Object.entries(r.scan ?? {})) {
    lines.push(`  scan ${arch}: ${s.findings} finding(s) among ${s.packages} packages, database of ${s.databaseUpdatedAt}; SBOM ${s.sbom.name} (${s.sbom.format}, sha256 ${s.sbom.sha256.slice(0, 16)}…)`);
    for (const f of s.failing) lines.push(`    ✗ ${f.id} ${f.package} ${f.version} (${f.severity}${f.fixedVersion ? `, fixed in ${f.fixedVersion}` : ''})`);
    for (const a of s.allowed) lines.push(`    allowed ${a.finding.id} ${a.finding.package} until ${a.entry.until}: ${a.entry.reason}`);
  }
  const failed = GATE_ORDER.filter((g) => r.gates[g] && !r.gates[g].passed);
  lines.push(failed.length ? `  FAILED: ${failed.join(', ')}` : Object.keys(r.gates).length >= requiredGates({}).length ? '  PASSED' : '  incomplete');
  return lines;
}
