// The scan gate sees language packages, not only Debian's (issue 24): an app image holding a
// pip-installed package that a Python advisory names is a finding — by version range, as
// GitHub's advisories are written — and the same package outside the range is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createScanActivities, type ScanInput, type ScanResult } from '../../activities/scan.ts';
import { FsQaStore } from '../../providers/qa-fs/store.ts';
import { startOciRegistry } from '../../embedded/oci-registry.ts';
import { TOOLS_DIR } from '../../providers/paths.ts';
import { scannerCacheWith } from '../helpers/scanner.ts';
import { uniqueSuffix } from '../helpers/temporal.ts';

// What `pip install requests==2.30.0` leaves in site-packages, as far as a scanner reads it.
const DOCKERFILE = [
  'FROM tagship/python:bookworm-amd64',
  'RUN d=/usr/local/lib/python3.11/dist-packages/requests-2.30.0.dist-info && mkdir -p "$d" && printf "Metadata-Version: 2.1\\nName: requests\\nVersion: 2.30.0\\n" > "$d/METADATA" && printf "pip\\n" > "$d/INSTALLER"',
].join('\n');

test('a vulnerable pip package in the app image is a finding with its advisory; outside the range it is not', async () => {
  const registry = await startOciRegistry();
  try {
    const ctx = mkdtempSync(join(tmpdir(), 'tagship-pip-image-'));
    writeFileSync(join(ctx, 'Dockerfile'), DOCKERFILE);
    const ref = `${registry.host}/pip-scan-${uniqueSuffix()}:t`;
    execFileSync('docker', ['build', '-q', '-t', ref, ctx]);
    execFileSync('docker', ['push', '-q', ref]);
    const digest = execFileSync('docker', ['inspect', '--format', '{{index .RepoDigests 0}}', ref], { encoding: 'utf8' }).trim().split('@')[1]!;
    execFileSync('docker', ['rmi', '-f', ref]);
    const input: ScanInput = { project: 'pip-scan', commit: 'a'.repeat(40), arch: 'amd64', repository: ref.split(':').slice(0, -1).join(':'), digest };
    const scan = async (advisories: Parameters<typeof scannerCacheWith>[0]): Promise<ScanResult> => {
      const a = createScanActivities({ scanner: { binary: join(TOOLS_DIR, 'trivy', 'bin', 'trivy'), cacheDir: scannerCacheWith(advisories) }, qa: new FsQaStore(mkdtempSync(join(tmpdir(), 'tagship-qa-'))) });
      const env = new MockActivityEnvironment();
      return env.run((i: ScanInput) => a.scanImage(i), input);
    };
    const pip = { id: 'GHSA-tagship-0001', bucket: 'pip::GitHub Security Advisory pip', package: 'requests', severity: 'HIGH' as const, title: 'tagship test advisory for a Python package' };

    const found = await scan([{ ...pip, vulnerableVersions: ['<2.31.0'], patchedVersions: ['2.31.0'] }]);
    assert.deepEqual(found.findings, [{ id: 'GHSA-tagship-0001', package: 'requests', version: '2.30.0', severity: 'high', fixedVersion: '2.31.0' }]);

    const fixed = await scan([{ ...pip, vulnerableVersions: ['<2.30.0'], patchedVersions: ['2.30.0'] }]);
    assert.deepEqual(fixed.findings, [], '2.30.0 is the fixed version of this one');
  } finally {
    await registry.close();
  }
});
