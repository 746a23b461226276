// The CI's gates as decisions over what was measured: tests, coverage, vulnerabilities, and
// which pushes start a CI run. Each returns its verdict and a message that names what failed
// and by how much, so a failing gate says why. Pure; the workflow passes in today's date.
import picomatch from 'picomatch';
import { SEVERITIES, type Severity } from './severity.ts';
import type { CoverageSummary, TestSummary } from './reports.ts';

export interface Verdict {
  passed: boolean;
  message: string;
}

export function testsVerdict(t: TestSummary): Verdict {
  if (t.tests === 0) return { passed: false, message: 'the JUnit report lists no tests; check the test command and the junit path' };
  const broken = t.failures + t.errors;
  return broken
    ? { passed: false, message: `${broken} of ${t.tests} tests failed (${t.failures} failures, ${t.errors} errors)` }
    : { passed: true, message: `${t.tests} tests passed${t.skipped ? `, ${t.skipped} skipped` : ''}` };
}

/** Line coverage against `minimum`; branch coverage against `branchMinimum` when the app sets
 *  one — then a report without branch data fails (measure with branches, e.g. coverage --branch). */
export function coverageVerdict(c: CoverageSummary, minimum: number, branchMinimum?: number): Verdict {
  const branches = c.branchPercent !== undefined ? `, branch coverage ${c.branchPercent}%` : '';
  if (c.linePercent < minimum) return { passed: false, message: `line coverage ${c.linePercent}% is below the required ${minimum}% (${c.linesCovered} of ${c.linesValid} lines)` };
  if (branchMinimum !== undefined) {
    if (c.branchPercent === undefined) return { passed: false, message: `the coverage report measured no branches, and ${branchMinimum}% branch coverage is required; measure branches (coverage run --branch)` };
    if (c.branchPercent < branchMinimum) return { passed: false, message: `branch coverage ${c.branchPercent}% is below the required ${branchMinimum}% (${c.branchesCovered} of ${c.branchesValid} branches)` };
  }
  return { passed: true, message: `line coverage ${c.linePercent}% (required ${minimum}%)${branches}${branchMinimum !== undefined ? ` (required ${branchMinimum}%)` : ''}` };
}

export interface Finding {
  id: string;
  package: string;
  version: string;
  severity: Severity | 'unknown';
  fixedVersion?: string;
}

export interface AllowEntry {
  id: string;
  package?: string | undefined;
  /** YYYY-MM-DD, the last day the entry holds. */
  until: string;
  reason: string;
}

export interface ScanVerdict extends Verdict {
  /** At or above the threshold and not allowlisted. */
  failing: Finding[];
  /** At or above the threshold, accepted by an allowlist entry still in force. */
  allowed: { finding: Finding; entry: AllowEntry }[];
  /** At or above the threshold, whose allowlist entry has expired. */
  expired: { finding: Finding; entry: AllowEntry }[];
}

const rank = (s: Severity | 'unknown') => (s === 'unknown' ? -1 : SEVERITIES.indexOf(s));

/** Findings at or above `failOn` fail unless an unexpired allowlist entry names their advisory
 *  (and package, when the entry gives one). `today` is YYYY-MM-DD. */
export function scanVerdict(findings: Finding[], failOn: Severity, allow: AllowEntry[], today: string): ScanVerdict {
  const failing: Finding[] = [];
  const allowed: ScanVerdict['allowed'] = [];
  const expired: ScanVerdict['expired'] = [];
  for (const f of findings) {
    if (rank(f.severity) < rank(failOn)) continue;
    const entry = allow.find((a) => a.id === f.id && (!a.package || a.package === f.package));
    if (entry && entry.until >= today) allowed.push({ finding: f, entry });
    else {
      failing.push(f);
      if (entry) expired.push({ finding: f, entry });
    }
  }
  const name = (f: Finding) => `${f.package} ${f.version}: ${f.id} (${f.severity}${f.fixedVersion ? `, fixed in ${f.fixedVersion}` : ''})`;
  const message = failing.length
    ? `${failing.length} finding(s) at or above ${failOn}: ${failing.map((f) => name(f) + (expired.some((e) => e.finding === f) ? ' — its allowlist entry expired' : '')).join('; ')}`
    : `no finding at or above ${failOn}${allowed.length ? ` (${allowed.length} allowlisted)` : ''}`;
  return { passed: failing.length === 0, message, failing, allowed, expired };
}

/** Whether a push to `branch` starts CI, by the project's `ci.branches` (names or globs). */
export function branchStartsCi(branch: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => picomatch.isMatch(branch, p, { dot: false }));
}
