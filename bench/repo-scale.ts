// Repository indexing and signing at scale: 1,000 .deb and 1,000 .rpm packages, each indexed
// and signed by the same code a release uses (pipes/repositories/activities/deb.ts, rpm.ts: dpkg-deb,
// the gpg signatures, rpmsign and createrepo_c in their container).
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import { buildDebRepository } from '../pipes/repositories/activities/deb.ts';
import { buildRpmRepository } from '../pipes/repositories/activities/rpm.ts';
import { generateTestKey } from '../test/helpers/gpg.ts';
import { makeDebs, makeRpms } from '../test/helpers/packages.ts';
import { recordGoal } from './goals.ts';

const seconds = (t: number) => (performance.now() - t) / 1000;

export async function repositoryScale(count = 1000): Promise<void> {
  const key = generateTestKey();
  const work = mkdtempSync(join(tmpdir(), 'tagship-scale-'));
  let t = performance.now();
  const debs = makeDebs(mkdtempSync(join(work, 'debs-')), count);
  const rpms = makeRpms(mkdtempSync(join(work, 'rpms-')), count);
  console.log(`\nrepositories with ${count} packages (made in ${((performance.now() - t) / 1000).toFixed(1)} s: ${debs.length} debs, ${rpms.length} rpms)`);
  t = performance.now();
  await buildDebRepository({ project: 'scale', channel: 'stable', config: { component: 'main', stableSuite: 'stable', prereleaseSuite: 'testing', keepVersions: 3, signingKey: { keyFile: key.keyFile } }, packages: debs, liveDir: null, outDir: join(work, 'tree', 'deb') });
  const debFull = seconds(t);
  console.log(`  deb: indexed and signed in ${debFull.toFixed(1)} s`);
  recordGoal(`deb: full index + sign of ${count}`, `${debFull.toFixed(1)} s`, '≤ 10 s', debFull <= 10);
  t = performance.now();
  await buildRpmRepository(new Docker(), { project: 'scale', channel: 'stable', config: { keepVersions: 3, signingKey: { keyFile: key.keyFile }, baseUrl: 'http://127.0.0.1:1/scale/rpm' }, packages: rpms, liveDir: null, outDir: join(work, 'tree', 'rpm'), image: 'tagship/machine:bookworm-amd64', jobId: `scale-${Date.now()}` }, key.keyFile);
  const rpmFull = seconds(t);
  console.log(`  rpm: every package signed, indexed and the metadata signed in ${rpmFull.toFixed(1)} s`);
  recordGoal(`rpm: full sign + index of ${count}`, `${rpmFull.toFixed(1)} s`, '≤ 10 s', rpmFull <= 10);

  // The seed's shape of a release: four new packages per family (two packages, two arches)
  // added to the repository of `count` built above (its live tree).
  const newDebs = makeDebs(mkdtempSync(join(work, 'debs-new-')), 4, '1.0.1');
  const newRpms = makeRpms(mkdtempSync(join(work, 'rpms-new-')), 4, '1.0.1');
  t = performance.now();
  await buildDebRepository({ project: 'scale', channel: 'stable', config: { component: 'main', stableSuite: 'stable', prereleaseSuite: 'testing', keepVersions: 3, signingKey: { keyFile: key.keyFile } }, packages: newDebs, liveDir: join(work, 'tree', 'deb'), outDir: join(work, 'tree2', 'deb') });
  const debAdd = seconds(t);
  console.log(`  deb: a release adding 4 packages to ${count}: ${debAdd.toFixed(1)} s (goal ≤ 3 s)`);
  recordGoal(`deb: a release adding 4 to ${count}`, `${debAdd.toFixed(1)} s`, '≤ 3 s', debAdd <= 3);
  t = performance.now();
  await buildRpmRepository(new Docker(), { project: 'scale', channel: 'stable', config: { keepVersions: 3, signingKey: { keyFile: key.keyFile }, baseUrl: 'http://127.0.0.1:1/scale/rpm' }, packages: newRpms, liveDir: join(work, 'tree', 'rpm'), outDir: join(work, 'tree2', 'rpm'), image: 'tagship/machine:bookworm-amd64', jobId: `scale-add-${Date.now()}` }, key.keyFile);
  const rpmAdd = seconds(t);
  console.log(`  rpm: a release adding 4 packages to ${count}: ${rpmAdd.toFixed(1)} s (goal ≤ 3 s)`);
  recordGoal(`rpm: a release adding 4 to ${count}`, `${rpmAdd.toFixed(1)} s`, '≤ 3 s', rpmAdd <= 3);
  const listed = (f: string) => execFileSync('sh', ['-c', f], { encoding: 'utf8' }).trim();
  console.log(`  indexes after it: deb ${listed(`grep -c '^Package:' ${join(work, 'tree2', 'deb', 'dists', 'stable', 'main', 'binary-amd64', 'Packages')}`)} stanzas, rpm ${listed(`cd ${join(work, 'tree2', 'rpm', 'stable')} && zcat $(grep -o 'repodata/[^"]*-primary.xml.gz' repodata/repomd.xml) | grep -c '<package type'`)} packages (repomd.xml's primary)`);
}
