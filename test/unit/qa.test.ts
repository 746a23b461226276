// The CI's gates: JUnit and Cobertura reports read, and each gate failing when it should.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coberturaSummary, coverageSummary, junitSummary, ReportError } from '../../core/qa/reports.ts';
import { branchStartsCi, coverageVerdict, scanVerdict, testsVerdict, type Finding } from '../../core/qa/gates.ts';

// As pytest (--junitxml) and coverage.py (--cov-report=xml) write them.
const JUNIT = `<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="1" skipped="2" tests="7" time="0.12"><testcase classname="t" name="a"/></testsuite></testsuites>`;
const JUNIT_TWO = `<testsuites><testsuite tests="3" failures="0" errors="1"/><testsuite tests="4"/></testsuites>`;
const COBERTURA = `<?xml version="1.0" ?><coverage version="7.4.0" timestamp="1" lines-valid="40" lines-covered="31" line-rate="0.775" branches-covered="0" branches-valid="0" branch-rate="0" complexity="0"><packages/></coverage>`;

test('JUnit totals add up over every suite', () => {
  assert.deepEqual(junitSummary(JUNIT), { tests: 7, failures: 1, errors: 0, skipped: 2 });
  assert.deepEqual(junitSummary(JUNIT_TWO), { tests: 7, failures: 0, errors: 1, skipped: 0 });
  assert.deepEqual(junitSummary('<testsuite tests="2" failures="0"/>'), { tests: 2, failures: 0, errors: 0, skipped: 0 });
  // Node's test runner: top-level tests straight under <testsuites>, a describe as a <testsuite>.
  const node = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<testsuites>',
    '\t<testcase name="a" time="0.1" classname="test"/>',
    '\t<testcase name="b" time="0.1" classname="test"><failure type="testCodeFailure" message="boom">boom</failure></testcase>',
    '\t<testcase name="c" time="0" classname="test"><skipped type="skipped" message="later"/></testcase>',
    '\t<testsuite name="d" tests="2" failures="1" errors="0" skipped="0"><testcase name="d1"/><testcase name="d2"><failure/></testcase></testsuite>',
    '\t<!-- tests 5 -->',
    '</testsuites>',
  ].join('\n');
  assert.deepEqual(junitSummary(node), { tests: 5, failures: 2, errors: 0, skipped: 1 });
  assert.throws(() => junitSummary('<testsuites>\n\t<!-- tests 0 -->\n</testsuites>'), /no <testsuites> or <testsuite> element with tests/);
});

test('Cobertura line coverage comes from the line counts, else the rate', () => {
  assert.deepEqual(coberturaSummary(COBERTURA), { linePercent: 77.5, linesCovered: 31, linesValid: 40 });
  assert.equal(coberturaSummary('<coverage line-rate="0.8333"/>').linePercent, 83.33);
});

test('a report that is not one fails, naming its kind', () => {
  assert.throws(() => junitSummary('<html>not junit</html>'), (e: Error) => e instanceof ReportError && /JUnit report has no <testsuites>/.test(e.message));
  assert.throws(() => junitSummary('<testsuites><testsuite'), (e: Error) => e instanceof ReportError && /JUnit report is not valid XML/.test(e.message));
  assert.throws(() => coberturaSummary(JUNIT), (e: Error) => e instanceof ReportError && /Cobertura report has no <coverage>/.test(e.message));
  assert.throws(() => coberturaSummary('<coverage line-rate="1.7"/>'), /not between 0 and 1/);
});

test('the tests gate fails on any failure or error, and on no tests at all', () => {
  assert.deepEqual(testsVerdict({ tests: 7, failures: 1, errors: 0, skipped: 2 }), { passed: false, message: '1 of 7 tests failed (1 failures, 0 errors)' });
  assert.equal(testsVerdict({ tests: 0, failures: 0, errors: 0, skipped: 0 }).passed, false);
  assert.deepEqual(testsVerdict({ tests: 5, failures: 0, errors: 0, skipped: 1 }), { passed: true, message: '5 tests passed, 1 skipped' });
});

test('branch coverage: recorded when the report measured branches, gated when the app sets a floor', () => {
  const branched = COBERTURA.replace('branches-covered="0" branches-valid="0"', 'branches-covered="9" branches-valid="12"');
  assert.deepEqual(coberturaSummary(branched), { linePercent: 77.5, linesCovered: 31, linesValid: 40, branchPercent: 75, branchesCovered: 9, branchesValid: 12 });
  const c = coberturaSummary(branched);
  assert.deepEqual(coverageVerdict(c, 70, 80), { passed: false, message: 'branch coverage 75% is below the required 80% (9 of 12 branches)' });
  assert.deepEqual(coverageVerdict(c, 70, 75), { passed: true, message: 'line coverage 77.5% (required 70%), branch coverage 75% (required 75%)' });
  assert.match(coverageVerdict(coberturaSummary(COBERTURA), 70, 50).message, /measured no branches, and 50% branch coverage is required; measure branches/);
  // Measured, and the code has no branch at all (a module of straight-line code): coverage.py
  // then writes branch-rate="1" — nothing left uncovered — where an unmeasured report says "0".
  const noBranches = coberturaSummary(COBERTURA.replace('branch-rate="0"', 'branch-rate="1"'));
  assert.deepEqual(noBranches, { linePercent: 77.5, linesCovered: 31, linesValid: 40, branchPercent: 100, branchesCovered: 0, branchesValid: 0 });
  assert.equal(coverageVerdict(noBranches, 70, 90).passed, true);
  assert.equal(coverageVerdict(coberturaSummary(COBERTURA), 70).passed, true, 'no floor, no branches needed');
  assert.throws(() => coberturaSummary(COBERTURA.replace('branches-covered="0" branches-valid="0"', 'branches-covered="13" branches-valid="12"')), /covers 13 of 12 branches/);
});

test('coverage below the floor fails naming both numbers; at the floor it passes', () => {
  const c = { linePercent: 77.5, linesCovered: 31, linesValid: 40 };
  assert.deepEqual(coverageVerdict(c, 80), { passed: false, message: 'line coverage 77.5% is below the required 80% (31 of 40 lines)' });
  assert.equal(coverageVerdict(c, 77.5).passed, true);
  assert.equal(coverageVerdict(c, 77.51).passed, false);
});

const finding = (id: string, pkg: string, severity: Finding['severity']): Finding => ({ id, package: pkg, version: '1.0', severity, fixedVersion: '1.1' });

test('a finding at or above the threshold fails, naming package, version and advisory', () => {
  const v = scanVerdict([finding('CVE-1', 'openssl', 'high'), finding('CVE-2', 'zlib', 'medium'), finding('CVE-3', 'x', 'unknown')], 'high', [], '2026-11-25');
  assert.equal(v.passed, false);
  assert.equal(v.message, '1 finding(s) at or above high: openssl 1.0: CVE-1 (high, fixed in 1.1)');
  assert.equal(scanVerdict([finding('CVE-2', 'zlib', 'medium')], 'medium', [], '2026-11-25').passed, false);
  assert.equal(scanVerdict([finding('CVE-4', 'zlib', 'critical')], 'high', [], '2026-11-25').passed, false, 'above the threshold');
});

test('an allowlisted finding passes until the entry expires, then fails again, saying so', () => {
  const f = [finding('CVE-1', 'openssl', 'critical')];
  const entry = { id: 'CVE-1', package: 'openssl', until: '2026-12-31', reason: 'not reachable' };
  assert.deepEqual(scanVerdict(f, 'high', [entry], '2026-12-31').allowed.map((a) => a.entry.reason), ['not reachable'], 'the last day still holds');
  const after = scanVerdict(f, 'high', [entry], '2027-01-01');
  assert.equal(after.passed, false);
  assert.match(after.message, /openssl 1\.0: CVE-1 \(critical, fixed in 1\.1\) — its allowlist entry expired/);
  assert.equal(scanVerdict(f, 'high', [{ ...entry, package: 'libssl3' }], '2026-12-01').passed, false, 'an entry for another package does not apply');
  assert.equal(scanVerdict(f, 'high', [{ ...entry, package: undefined }], '2026-12-01').passed, true, 'an entry without a package covers the advisory');
});

test('pushes start CI only on the configured branches', () => {
  assert.equal(branchStartsCi('main', ['main']), true);
  assert.equal(branchStartsCi('release/v1.0', ['main', 'release/*']), true);
  assert.equal(branchStartsCi('release/v1.0/hotfix', ['release/*']), false);
  assert.equal(branchStartsCi('feature/x', ['main', 'release/*']), false);
  assert.equal(branchStartsCi('mainline', ['main']), false);
});

test('LCOV coverage (Node\'s test runner, c8): lines and branches summed over the records; a file that is not one is refused', () => {
  const lcov = ['TN:', 'SF:/src/a.ts', 'FN:1,f', 'LF:10', 'LH:8', 'BRF:4', 'BRH:1', 'end_of_record', 'SF:/src/b.ts', 'LF:30', 'LH:22', 'BRF:0', 'BRH:0', 'end_of_record', ''].join('\n');
  assert.deepEqual(coverageSummary(lcov), { linePercent: 75, linesCovered: 30, linesValid: 40, branchPercent: 25, branchesCovered: 1, branchesValid: 4 });
  assert.equal(coverageVerdict(coverageSummary(lcov), 80).passed, false, '75 % is under an 80 % floor');
  assert.deepEqual(coverageSummary(['SF:x', 'LF:3', 'LH:3', 'end_of_record'].join('\n')), { linePercent: 100, linesCovered: 3, linesValid: 3 }, 'no branch data: none claimed');
  assert.equal(coverageSummary(COBERTURA).linePercent, 77.5, 'Cobertura still read as Cobertura');
  assert.throws(() => coverageSummary('LF:3\nLH:3\n'), /LCOV report has no record/);
  assert.throws(() => coverageSummary('SF:x\nLF:3\nLH:4\nend_of_record\n'), /covers 4 of 3 lines/);
});
