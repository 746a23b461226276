// The release's QA report: every fact present, everything from the record escaped, links only
// where the operator's setting gives an http(s) address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qaReportHtml, qaReportMarkdown, type ReportInput } from '../../core/qa/report.ts';

const finding = { id: 'CVE-1', package: 'pkg<b>', version: '1|2', severity: 'high' as const };
const input: ReportInput = {
  project: 'app', version: '1.0.0', tag: 'v1.0.0',
  record: {
    project: 'app', commit: 'c'.repeat(40), ref: 'refs/heads/main', startedAt: 's', finishedAt: 'f', expiresAt: 'e',
    run: { workflowId: 'ci-app-c', runId: 'r1' },
    gates: { tests: { passed: true, message: '5 tests passed' }, scan: { passed: true, message: 'no finding at or above high (1 allowlisted)' } },
    tests: { tests: 5, failures: 0, errors: 0, skipped: 0 },
    coverage: { linePercent: 95.83, linesCovered: 23, linesValid: 24, minimum: 80 },
    scan: { amd64: { failOn: 'high', findings: 3, failing: [], allowed: [{ finding, entry: { id: 'CVE-1', until: '2099-01-01', reason: '"><img src=x onerror=alert(1)>' } }], sbom: { name: 'sbom-amd64.cdx.json', sha256: 'a'.repeat(64), size: 10, format: 'CycloneDX' }, packages: 127, databaseUpdatedAt: 'today' } },
  },
  image: { reference: 'r:5000/app:1.0.0', digest: `sha256:${'1'.repeat(64)}`, platforms: { amd64: `sha256:${'2'.repeat(64)}` } },
  chart: { reference: 'oci://r:5000/charts/app', version: '1.0.0', digest: `sha256:${'3'.repeat(64)}` },
};

test('the HTML report holds every fact and escapes what the record carries', () => {
  const page = qaReportHtml({ ...input, runLink: 'http://ui:8233/namespaces/default/workflows/ci-app-c/r1/history' });
  for (const fact of ['c'.repeat(40), `sha256:${'1'.repeat(64)}`, `sha256:${'2'.repeat(64)}`, `oci://r:5000/charts/app 1.0.0 = sha256:${'3'.repeat(64)}`, '95.83% (23 of 24 lines; required 80%)', '5 tests passed']) assert.ok(page.includes(fact), fact);
  assert.ok(page.includes('allowed until 2099-01-01: &quot;&gt;&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(page.includes('pkg&lt;b&gt; 1|2'));
  assert.ok(!page.includes('<img') && !page.includes('<b>'));
  assert.ok(page.includes('<a href="http://ui:8233/namespaces/default/workflows/ci-app-c/r1/history">ci-app-c</a>'));
  assert.ok(page.includes('<a href="sbom-amd64.cdx.json">'));
  assert.ok(!qaReportHtml({ ...input, runLink: 'javascript:alert(1)' }).includes('javascript:'), 'a link that is not http(s) is not made');
});

test('the markdown report keeps table cells whole', () => {
  const md = qaReportMarkdown(input);
  assert.match(md, /^# app 1\.0\.0 — QA report$/m);
  assert.match(md, /\| amd64 \| pkg&lt;b&gt; 1\\\|2 \| CVE-1 \| high \| allowed until 2099-01-01: "&gt;&lt;img/);
  assert.ok(!md.includes('<img') && !md.includes('<b>'));
  assert.match(md, /\| Line coverage \| 95\.83% \(23 of 24 lines; required 80%\) \|/);
});
