// The vulnerability scan of one platform's image (issue 12): Trivy, offline, against the
// vulnerability database kept on disk (<cache>/db/trivy.db and metadata.json, trivy-db's own
// format), pulling the image by digest from the registry. It returns every finding (the gate
// is decided by the workflow, core/qa/gates.ts) and stores the image's CycloneDX SBOM with the
// commit's QA record.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { SEVERITIES, type Severity } from '../core/qa/severity.ts';
import type { Finding } from '../core/qa/gates.ts';
import type { QaFile, QaStore } from '../ports/qa.ts';
import { invalidInput, requireName } from './inputs.ts';
import { withHeartbeat } from './heartbeat.ts';

const run = promisify(execFile);
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export interface ScannerSettings {
  /** The trivy binary. */
  binary: string;
  /** Trivy's cache folder; its db/ holds the vulnerability database. */
  cacheDir: string;
}

export interface ScanInput {
  project: string;
  commit: string;
  arch: string;
  /** <registry>/<image>, and the platform image's digest. */
  repository: string;
  digest: string;
}

export interface ScanResult {
  arch: string;
  /** Every vulnerability found, whatever its severity. */
  findings: Finding[];
  /** Installed packages the scanner saw (the SBOM's components). */
  packages: number;
  sbom: QaFile;
  /** When the database was made, as its metadata says. */
  databaseUpdatedAt: string;
}

interface TrivyReport {
  Results?: Array<{ Packages?: unknown[]; Vulnerabilities?: Array<{ VulnerabilityID: string; PkgName: string; InstalledVersion: string; FixedVersion?: string; Severity?: string }> }>;
}

/** Trivy's JSON report → findings, one per advisory and package. */
export function trivyFindings(report: TrivyReport): Finding[] {
  const out = new Map<string, Finding>();
  for (const r of report.Results ?? []) {
    for (const v of r.Vulnerabilities ?? []) {
      const sev = (v.Severity ?? '').toLowerCase();
      const severity: Severity | 'unknown' = (SEVERITIES as readonly string[]).includes(sev) ? (sev as Severity) : 'unknown';
      out.set(`${v.VulnerabilityID} ${v.PkgName} ${v.InstalledVersion}`, { id: v.VulnerabilityID, package: v.PkgName, version: v.InstalledVersion, severity, ...(v.FixedVersion ? { fixedVersion: v.FixedVersion } : {}) });
    }
  }
  return [...out.values()];
}

export function createScanActivities(deps: { scanner: ScannerSettings; qa: QaStore }) {
  const { binary, cacheDir } = deps.scanner;
  /** The flags that keep Trivy offline: the database on disk, nothing fetched or reported. */
  const offline = ['--cache-dir', cacheDir, '--skip-db-update', '--skip-java-db-update', '--skip-check-update', '--offline-scan', '--skip-version-check', '--quiet'];

  return {
    async scanImage(input: ScanInput): Promise<ScanResult> {
      requireName('project', 'project', input.project);
      requireName('commit', 'commit', input.commit);
      if (!DIGEST.test(input.digest)) throw invalidInput('digest', `${JSON.stringify(input.digest)} is not a sha256 digest`);
      if (!/^[a-z0-9.:[\]-]+\/[a-z0-9._/-]+$/.test(input.repository)) throw invalidInput('repository', `${JSON.stringify(input.repository)} is not <registry>/<image>`);
      const metadata = await readFile(join(cacheDir, 'db', 'metadata.json'), 'utf8').catch(() => null);
      if (!metadata || !(await stat(join(cacheDir, 'db', 'trivy.db')).catch(() => null))) {
        throw nonRetryable(FailureType.ScanFailed, `no vulnerability database in ${join(cacheDir, 'db')}: put trivy.db and metadata.json there (README, "Vulnerability database") or set TAGSHIP_TRIVY_CACHE`);
      }
      const work = await mkdtemp(join(tmpdir(), 'tagship-scan-'));
      try {
        return await withHeartbeat(async (hb) => {
          const report = join(work, 'report.json');
          const sbom = join(work, 'sbom.cdx.json');
          const image = `${input.repository}@${input.digest}`;
          try {
            await run(binary, ['image', ...offline, '--scanners', 'vuln', '--list-all-pkgs', '--format', 'json', '--output', report, '--image-src', 'remote', '--platform', `linux/${input.arch}`, image], { signal: hb.signal, maxBuffer: 16 << 20 });
            await run(binary, ['convert', '--quiet', '--format', 'cyclonedx', '--output', sbom, report], { signal: hb.signal, maxBuffer: 16 << 20 });
          } catch (err) {
            if (hb.signal.aborted) throw err;
            const e = err as { stderr?: string; message: string };
            throw nonRetryable(FailureType.ScanFailed, `Trivy could not scan ${image}: ${(e.stderr || e.message).trim().split('\n').slice(-5).join('\n')}`);
          }
          const parsed = JSON.parse(await readFile(report, 'utf8')) as TrivyReport;
          const stored = await deps.qa.putFile(input.project, input.commit, `sbom-${input.arch}.cdx.json`, await readFile(sbom));
          return {
            arch: input.arch,
            findings: trivyFindings(parsed),
            packages: (parsed.Results ?? []).reduce((n, r) => n + (r.Packages?.length ?? 0), 0),
            sbom: stored,
            databaseUpdatedAt: (JSON.parse(metadata) as { UpdatedAt?: string }).UpdatedAt ?? 'unknown',
          };
        });
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  };
}
