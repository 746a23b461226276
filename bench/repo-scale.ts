// Repository indexing and signing at scale: 1,000 .deb and 1,000 .rpm packages, each indexed
// and signed by the same code a release uses (activities/repo-deb.ts, repo-rpm.ts: dpkg-deb,
// the gpg signatures, rpmsign and createrepo_c in their container).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import { buildDebRepository } from '../pipes/repositories/activities/deb.ts';
import { buildRpmRepository } from '../pipes/repositories/activities/rpm.ts';
import { generateTestKey } from '../test/helpers/gpg.ts';

/** `count` small .debs, one package each, made by dpkg-deb. */
function makeDebs(dir: string, count: number): string[] {
  execFileSync('sh', ['-c', `cd ${dir} && for i in $(seq 1 ${count}); do mkdir -p p$i/DEBIAN && printf "Package: scale-$i\\nVersion: 1.0.0\\nArchitecture: amd64\\nMaintainer: t <t@example.invalid>\\nDescription: s\\n" > p$i/DEBIAN/control && dpkg-deb -Zgzip --build p$i scale-\${i}_1.0.0_amd64.deb >/dev/null; done`]);
  return readdirSync(dir).filter((f) => f.endsWith('.deb')).map((f) => join(dir, f));
}

/** `count` small noarch .rpms from one spec with that many subpackages (one rpmbuild run). */
function makeRpms(dir: string, count: number): string[] {
  const subs = Array.from({ length: count }, (_, i) => `%package -n scale-${i + 1}\nSummary: s\n%description -n scale-${i + 1}\ns\n%files -n scale-${i + 1}\n`).join('');
  writeFileSync(join(dir, 's.spec'), `Name: scale\nVersion: 1.0.0\nRelease: 1\nSummary: s\nLicense: MIT\nBuildArch: noarch\n%description\ns\n${subs}`);
  execFileSync('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${join(dir, 'rpm')}`, join(dir, 's.spec')]);
  const out = join(dir, 'rpm', 'RPMS', 'noarch');
  return readdirSync(out).map((f) => join(out, f));
}

export async function repositoryScale(count = 1000): Promise<void> {
  const key = generateTestKey();
  const work = mkdtempSync(join(tmpdir(), 'tagship-scale-'));
  let t = performance.now();
  const debs = makeDebs(mkdtempSync(join(work, 'debs-')), count);
  const rpms = makeRpms(mkdtempSync(join(work, 'rpms-')), count);
  console.log(`\nrepositories with ${count} packages (made in ${((performance.now() - t) / 1000).toFixed(1)} s: ${debs.length} debs, ${rpms.length} rpms)`);
  t = performance.now();
  await buildDebRepository({ project: 'scale', channel: 'stable', config: { component: 'main', stableSuite: 'stable', prereleaseSuite: 'testing', keepVersions: 3, signingKey: { keyFile: key.keyFile } }, packages: debs, liveDir: null, outDir: join(work, 'tree', 'deb') });
  console.log(`  deb: indexed and signed in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  await buildRpmRepository(new Docker(), { project: 'scale', channel: 'stable', config: { keepVersions: 3, signingKey: { keyFile: key.keyFile }, baseUrl: 'http://127.0.0.1:1/scale/rpm' }, packages: rpms, liveDir: null, outDir: join(work, 'tree', 'rpm'), image: 'tagship/machine:bookworm-amd64', jobId: `scale-${Date.now()}` }, key.keyFile);
  console.log(`  rpm: every package signed, indexed and the metadata signed in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
