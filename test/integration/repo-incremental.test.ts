// A release pays for what it adds to a repository (issue 22): the deb index keeps the live
// tree's stanzas for the files it carries and reads only the release's own, and the result is
// the index a full scan of the same pool gives; carried rpms are the live tree's files (hard
// links, never signed again) and createrepo_c --update indexes the whole suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import Docker from 'dockerode';
import { buildDebRepository, stanzasByFilename } from '../../pipes/repositories/activities/deb.ts';
import { buildRpmRepository } from '../../pipes/repositories/activities/rpm.ts';
import { generateTestKey } from '../helpers/gpg.ts';
import { makeDebs, makeRpms } from '../helpers/packages.ts';

const key = generateTestKey();
const debConfig = { component: 'main', stableSuite: 'stable', prereleaseSuite: 'testing', keepVersions: 3, signingKey: { keyFile: key.keyFile } };
const index = (deb: string) => join(deb, 'dists', 'stable', 'main', 'binary-amd64', 'Packages');

test('adding a release to a deb repository reads only its own packages, and indexes as a full scan would', async () => {
  const work = mkdtempSync(join(tmpdir(), 'tagship-incr-deb-'));
  await buildDebRepository({ project: 'scale', channel: 'stable', config: debConfig, packages: makeDebs(mkdtempSync(join(work, 'a-')), 6), liveDir: null, outDir: join(work, 'one') });
  // Mark one carried stanza in the live index: if the next index has the mark, it was carried
  // from the live tree, not read from the package again.
  const live = readFileSync(index(join(work, 'one')), 'utf8');
  writeFileSync(index(join(work, 'one')), live.replace(/^(Package: scale-5\n)/m, '$1X-Carried: from-the-live-index\n'));
  await buildDebRepository({ project: 'scale', channel: 'stable', config: debConfig, packages: makeDebs(mkdtempSync(join(work, 'b-')), 2, '1.0.1'), liveDir: join(work, 'one'), outDir: join(work, 'two') });

  const next = stanzasByFilename(readFileSync(index(join(work, 'two')), 'utf8'));
  assert.equal(next.size, 8, 'six carried, two new');
  assert.match(next.get('pool/main/s/scale-5/scale-5_1.0.0_amd64.deb') ?? '', /X-Carried: from-the-live-index/, 'the carried stanza is the live one');

  // Without the mark, the index is exactly what apt-ftparchive makes of the whole pool.
  const full = stanzasByFilename(execFileSync('apt-ftparchive', ['packages', 'pool'], { cwd: join(work, 'two'), encoding: 'utf8' }));
  const unmarked = new Map([...next].map(([k, v]) => [k, v.replace('X-Carried: from-the-live-index\n', '')]));
  assert.deepEqual(new Map([...unmarked].sort()), new Map([...full].sort()));
});

test('adding a release to an rpm repository links the live rpms, signs only its own, and indexes them all', async () => {
  const work = mkdtempSync(join(tmpdir(), 'tagship-incr-rpm-'));
  const config = { keepVersions: 3, signingKey: { keyFile: key.keyFile }, baseUrl: 'http://127.0.0.1:1/scale/rpm' };
  const common = { project: 'scale', channel: 'stable' as const, config, image: 'tagship/machine:bookworm-amd64' };
  await buildRpmRepository(new Docker(), { ...common, packages: makeRpms(mkdtempSync(join(work, 'a-')), 6), liveDir: null, outDir: join(work, 'one'), jobId: `incr-a-${process.pid}` }, key.keyFile);
  // Signed by one gpg-agent per core, each with its share of the list: every rpm is signed.
  const first = readdirSync(join(work, 'one', 'stable')).filter((f) => f.endsWith('.rpm')).map((f) => join(work, 'one', 'stable', f));
  const firstSigs = execFileSync('rpm', ['-qp', '--qf', '%{RSAHEADER:pgpsig}\\n', ...first], { encoding: 'utf8' }).trim().split('\n');
  assert.equal(firstSigs.filter((l) => /RSA\/SHA\d+/.test(l)).length, 6, `all six signed:\n${firstSigs.join('\n')}`);
  const added = makeRpms(mkdtempSync(join(work, 'b-')), 2, '1.0.1');
  await buildRpmRepository(new Docker(), { ...common, packages: added, liveDir: join(work, 'one'), outDir: join(work, 'two'), jobId: `incr-b-${process.pid}` }, key.keyFile);

  const carried = 'scale-3-1.0.0-1.noarch.rpm';
  assert.equal(statSync(join(work, 'two', 'stable', carried)).ino, statSync(join(work, 'one', 'stable', carried)).ino, 'a carried rpm is the live file');
  const fresh = 'scale-1-1.0.1-1.noarch.rpm';
  assert.notEqual(statSync(join(work, 'two', 'stable', fresh)).ino, statSync(added.find((p) => p.endsWith(fresh))!).ino, "the release's own rpm is a copy (signing rewrites it)");
  const sigs = execFileSync('rpm', ['-qp', '--qf', '%{NAME}-%{VERSION} %{RSAHEADER:pgpsig}\\n', join(work, 'two', 'stable', fresh), join(work, 'two', 'stable', carried)], { encoding: 'utf8' });
  assert.equal(sigs.split('\n').filter((l) => /RSA\/SHA\d+/.test(l)).length, 2, `both signed:\n${sigs}`);
  const primary = execFileSync('sh', ['-c', `cd ${join(work, 'two', 'stable')} && zcat $(grep -o 'repodata/[^"]*-primary.xml.gz' repodata/repomd.xml)`], { encoding: 'utf8' });
  assert.match(primary, /packages="8"/);
  for (const name of ['scale-1-1.0.0', 'scale-1-1.0.1', 'scale-6-1.0.0']) assert.ok(primary.includes(`${name}-1.noarch.rpm`), name);
});
