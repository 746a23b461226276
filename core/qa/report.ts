// The QA report a container app's release publishes (issue 13): what the CI of exactly the
// released commit measured and decided — tests, coverage, every platform's scan with the
// allowlist's decisions, the SBOMs, the image and chart digests, the commit and the CI run — as
// markdown and as a static HTML page. Pure; every value from the record is escaped in HTML.
import { GATE_ORDER, type QaRecord } from './record.ts';

export interface ReportInput {
  project: string;
  version: string;
  tag: string;
  record: QaRecord;
  /** The version tag by digest, and the chart when there is one. */
  image: { reference: string; digest: string; platforms: Record<string, string> };
  chart?: { reference: string; version: string; digest?: string };
  /** The repository the commit came from. */
  repository?: string;
  /** The CI run in the Temporal Web UI, when the worker knows where that is. */
  runLink?: string;
  /** Files deployed beside the report (a Velocitas app's AppManifest and desired state). */
  files?: string[];
}


function rows(r: ReportInput): { title: string; facts: [string, string][]; gates: [string, string, string][]; findings: [string, string, string, string, string][]; sboms: [string, string, string][] } {
  const q = r.record;
  const facts: [string, string][] = [
    ['Version', `${r.version} (tag ${r.tag})`],
    ['Commit', q.commit],
    ...(r.repository ? ([['Repository', r.repository]] as [string, string][]) : []),
    ['CI run', `${q.run.workflowId} (run ${q.run.runId}), ${q.startedAt} → ${q.finishedAt}`],
    ['Image', `${r.image.reference} = ${r.image.digest}`],
    ...Object.entries(r.image.platforms).map(([arch, d]) => [`  ${arch}`, d] as [string, string]),
    ...(r.chart ? ([['Helm chart', `${r.chart.reference} ${r.chart.version}${r.chart.digest ? ` = ${r.chart.digest}` : ''} (pins ${r.image.digest})`]] as [string, string][]) : []),
    ['QA record kept until', q.expiresAt],
  ];
  if (q.tests) facts.push(['Tests', `${q.tests.tests} run, ${q.tests.failures} failed, ${q.tests.errors} errors, ${q.tests.skipped} skipped`]);
  if (q.coverage) facts.push(['Line coverage', `${q.coverage.linePercent}% (${q.coverage.linesCovered} of ${q.coverage.linesValid} lines; required ${q.coverage.minimum}%)`]);
  const gates = GATE_ORDER.filter((g) => q.gates[g]).map((g) => [g, q.gates[g]!.passed ? 'passed' : 'FAILED', q.gates[g]!.message.split('\n')[0]!] as [string, string, string]);
  const findings: [string, string, string, string, string][] = [];
  const sboms: [string, string, string][] = [];
  for (const [arch, s] of Object.entries(q.scan ?? {})) {
    for (const f of s.failing) findings.push([arch, `${f.package} ${f.version}`, f.id, f.severity, 'fails the scan']);
    for (const a of s.allowed) findings.push([arch, `${a.finding.package} ${a.finding.version}`, a.finding.id, a.finding.severity, `allowed until ${a.entry.until}: ${a.entry.reason}`]);
    sboms.push([arch, s.sbom.name, `${s.sbom.format}, sha256 ${s.sbom.sha256}, ${s.packages} packages, ${s.findings} finding(s) at any severity; database of ${s.databaseUpdatedAt}`]);
  }
  return { title: `${r.project} ${r.version} — QA report`, facts, gates, findings, sboms };
}

// Markdown renderers pass HTML through: angle brackets from the record are escaped too.
const md = (s: string) => s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, ' ');

export function qaReportMarkdown(r: ReportInput): string {
  const t = rows(r);
  const table = (head: string[], body: string[][]) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((row) => `| ${row.map(md).join(' | ')} |`)].join('\n');
  return [
    `# ${t.title}`,
    '',
    table(['', ''], t.facts),
    ...(r.runLink ? ['', `The CI run in the Web UI: <${r.runLink}>`] : []),
    '',
    '## Gates',
    '',
    table(['gate', 'verdict', 'measured'], t.gates),
    '',
    '## Vulnerabilities at or above the threshold',
    '',
    t.findings.length ? table(['platform', 'package', 'advisory', 'severity', 'decision'], t.findings) : 'None.',
    '',
    '## SBOMs',
    '',
    table(['platform', 'file', ''], t.sboms),
    '',
    ...(r.files?.length ? ['## Deployment files', '', ...r.files.map((f) => `- [${md(f)}](${encodeURIComponent(f)})`), ''] : []),
  ].join('\n');
}

const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export function qaReportHtml(r: ReportInput): string {
  const t = rows(r);
  const table = (head: string[], body: string[][]) =>
    `<table><thead><tr>${head.map((h) => `<th>${html(h)}</th>`).join('')}</tr></thead><tbody>${body.map((row) => `<tr>${row.map((c) => `<td>${html(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const sboms = t.sboms.map(([arch, file, about]) => [arch, `<a href="${html(file)}">${html(file)}</a>`, html(about)]);
  // Only an http(s) link becomes one: the address is the operator's setting, still escaped.
  const run = r.runLink && /^https?:\/\//.test(r.runLink) ? `<p>The CI run in the Web UI: <a href="${html(r.runLink)}">${html(r.record.run.workflowId)}</a></p>` : '';
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${html(t.title)}</title>`,
    '<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;font-size:.9rem}</style>',
    '</head><body>',
    `<h1>${html(t.title)}</h1>`,
    table(['', ''], t.facts),
    run,
    '<h2>Gates</h2>',
    table(['gate', 'verdict', 'measured'], t.gates),
    '<h2>Vulnerabilities at or above the threshold</h2>',
    t.findings.length ? table(['platform', 'package', 'advisory', 'severity', 'decision'], t.findings) : '<p>None.</p>',
    '<h2>SBOMs</h2>',
    `<table><thead><tr><th>platform</th><th>file</th><th></th></tr></thead><tbody>${sboms.map((row) => `<tr>${row.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`,
    ...(r.files?.length ? ['<h2>Deployment files</h2>', `<ul>${r.files.map((f) => `<li><a href="${html(encodeURIComponent(f))}">${html(f)}</a></li>`).join('')}</ul>`] : []),
    '<p><a href="report.md">report.md</a></p>',
    '</body></html>',
    '',
  ].join('\n');
}
