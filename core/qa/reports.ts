// Reading the reports a test run leaves: JUnit XML (tests, failures, errors, skipped) and
// Cobertura XML (line coverage). Pure: the caller hands in the text. A report that is not what
// it claims to be is an error naming the file's kind, so a missing or wrong report path fails
// the CI instead of passing it.
import { XMLParser } from 'fast-xml-parser';

export interface TestSummary {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

export interface CoverageSummary {
  /** Percent of lines covered, two decimals. */
  linePercent: number;
  linesCovered: number;
  linesValid: number;
  /** Percent of branches covered, two decimals, when the report measured branches
   *  (coverage.py with --branch, JaCoCo, …). */
  branchPercent?: number;
  branchesCovered?: number;
  branchesValid?: number;
}

export class ReportError extends Error {}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, isArray: (name) => name === 'testsuite' || name === 'testcase' });

function parse(kind: string, xml: string): Record<string, unknown> {
  try {
    return parser.parse(xml, true) as Record<string, unknown>;
  } catch (err) {
    throw new ReportError(`the ${kind} report is not valid XML: ${(err as Error).message.split('\n')[0]}`);
  }
}

const count = (v: unknown): number => {
  const n = Number(v ?? 0);
  return Number.isFinite(n) && n >= 0 ? n : 0;
};

/** Totals of a JUnit report: `<testsuites>` with `<testsuite>`s, or one `<testsuite>`; test
 *  cases straight under `<testsuites>` (Node's test runner writes its top-level tests so) are
 *  counted one by one. */
export function junitSummary(xml: string): TestSummary {
  const doc = parse('JUnit', xml);
  const root = (doc.testsuites ?? (doc.testsuite ? { testsuite: doc.testsuite } : undefined)) as { testsuite?: Record<string, unknown>[]; testcase?: Record<string, unknown>[] } | undefined;
  if (!root || typeof root !== 'object' || (!root.testsuite && !root.testcase)) throw new ReportError('the JUnit report has no <testsuites> or <testsuite> element with tests in it');
  const sum: TestSummary = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const s of root.testsuite ?? []) {
    sum.tests += count(s.tests);
    sum.failures += count(s.failures);
    sum.errors += count(s.errors);
    sum.skipped += count(s.skipped);
  }
  for (const c of root.testcase ?? []) {
    sum.tests++;
    if (c.failure !== undefined) sum.failures++;
    else if (c.error !== undefined) sum.errors++;
    else if (c.skipped !== undefined) sum.skipped++;
  }
  return sum;
}

/** Line coverage of a Cobertura report, from its `<coverage>` element. */
export function coberturaSummary(xml: string): CoverageSummary {
  const doc = parse('Cobertura', xml);
  const cov = doc.coverage as Record<string, unknown> | undefined;
  if (!cov || (cov['line-rate'] === undefined && cov['lines-valid'] === undefined)) throw new ReportError('the Cobertura report has no <coverage> element with line-rate');
  const linesValid = count(cov['lines-valid']);
  const linesCovered = count(cov['lines-covered']);
  const rate = linesValid > 0 ? linesCovered / linesValid : Number(cov['line-rate']);
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) throw new ReportError(`the Cobertura report's line-rate ${String(cov['line-rate'])} is not between 0 and 1`);
  const branchesValid = count(cov['branches-valid']);
  const branchesCovered = count(cov['branches-covered']);
  // A report without branch data says branches-valid="0" and branch-rate="0" (coverage.py
  // without --branch); measured code without a single branch says branch-rate="1".
  const branchRate = branchesValid > 0 ? branchesCovered / branchesValid : Number(cov['branch-rate']) === 1 ? 1 : null;
  if (branchRate !== null && (branchRate < 0 || branchRate > 1)) throw new ReportError(`the Cobertura report covers ${branchesCovered} of ${branchesValid} branches`);
  return { linePercent: Math.round(rate * 10_000) / 100, linesCovered, linesValid, ...(branchRate !== null ? { branchPercent: Math.round(branchRate * 10_000) / 100, branchesCovered, branchesValid } : {}) };
}

/** Line (and branch) coverage of an LCOV tracefile — what JavaScript's tools write (Node's test
 *  runner, c8, Istanbul): LF/LH and BRF/BRH summed over its records. */
export function lcovSummary(text: string): CoverageSummary {
  let linesValid = 0;
  let linesCovered = 0;
  let branchesValid = 0;
  let branchesCovered = 0;
  let records = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = /^(LF|LH|BRF|BRH):(\d+)$/.exec(line);
    if (line === 'end_of_record') records++;
    if (!m) continue;
    const n = Number(m[2]);
    if (m[1] === 'LF') linesValid += n;
    else if (m[1] === 'LH') linesCovered += n;
    else if (m[1] === 'BRF') branchesValid += n;
    else branchesCovered += n;
  }
  if (records === 0) throw new ReportError('the LCOV report has no record (no end_of_record line)');
  if (linesCovered > linesValid) throw new ReportError(`the LCOV report covers ${linesCovered} of ${linesValid} lines`);
  if (branchesCovered > branchesValid) throw new ReportError(`the LCOV report covers ${branchesCovered} of ${branchesValid} branches`);
  const pct = (a: number, b: number) => Math.round((b > 0 ? a / b : 1) * 10_000) / 100;
  return { linePercent: pct(linesCovered, linesValid), linesCovered, linesValid, ...(branchesValid > 0 ? { branchPercent: pct(branchesCovered, branchesValid), branchesCovered, branchesValid } : {}) };
}

/** Coverage of a report in either format: Cobertura XML, or an LCOV tracefile. */
export function coverageSummary(text: string): CoverageSummary {
  return text.trimStart().startsWith('<') ? coberturaSummary(text) : lcovSummary(text);
}
