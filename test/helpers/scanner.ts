// Vulnerability databases for tests, in Trivy's own format, written by tools/trivy-testdb
// (built by the bootstrap): each test says which advisories exist.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { TOOLS_DIR } from '../../providers/paths.ts';

export interface TestAdvisory {
  id: string;
  /** trivy-db's bucket: "debian 12" for the Debian bookworm images built here; a language's
   *  advisories as "pip::GitHub Security Advisory pip". */
  bucket: string;
  package: string;
  fixedVersion?: string;
  /** Language buckets: vulnerable ranges ("<2.31.0") and fixing versions. */
  vulnerableVersions?: string[];
  patchedVersions?: string[];
  severity: 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  title: string;
}

/** A Trivy cache folder whose db/ holds exactly these advisories. */
export function scannerCacheWith(advisories: TestAdvisory[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'tagship-trivy-'));
  execFileSync(join(TOOLS_DIR, 'trivy', 'bin', 'trivy-testdb'), [dir], { input: JSON.stringify(advisories) });
  return dir;
}
