// Atomic deploys, seen from a reader: while trees are switched, every read is consistent; a
// deploy that fails midway leaves the old tree served byte for byte; rollback serves the
// previous tree again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { generateTestKey } from '../helpers/gpg.ts';
import { buildDebRepository } from '../../pipes/repositories/activities/deb.ts';
import { createDeployActivities } from '../../activities/deploy.ts';
import { buildRpmRepository } from '../../pipes/repositories/activities/rpm.ts';
import { gunzipSync } from 'node:zlib';
import Docker from 'dockerode';
import { withWorker } from '../helpers/temporal.ts';
import { rollbackRepository } from '../../client/repo.ts';
import { startRepoServer } from '../../providers/reposerver/server.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A tiny .deb of the given version, made with the real dpkg-deb. */
function makeDeb(dir: string, version: string): string {
  const root = mkdtempSync(join(tmpdir(), 'tagship-deb-'));
  mkdirSync(join(root, 'DEBIAN'));
  mkdirSync(join(root, 'usr', 'share', 'x'), { recursive: true });
  execFileSync('sh', ['-c', `printf 'Package: x\\nVersion: ${version}\\nArchitecture: amd64\\nMaintainer: t <t@example.invalid>\\nDescription: x\\n' > ${root}/DEBIAN/control; head -c 20000 /dev/urandom > ${root}/usr/share/x/data`]);
  const out = join(dir, `x_${version}_amd64.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '--build', root, out], { stdio: 'ignore' });
  return out;
}

/** Builds N trees in sequence, each from the one before, as successive releases would; staged
 *  as the repository step stages them, in <staging root>/<project>/<tree>. */
async function successiveTrees(n: number, keyFile: string, project = 'x'): Promise<string[]> {
  const work = mkdtempSync(join(tmpdir(), 'tagship-trees-'));
  const trees: string[] = [];
  for (let i = 0; i < n; i++) {
    const tree = join(work, project, `t${i}`);
    await buildDebRepository({
      project: 'x',
      channel: 'stable',
      config: { component: 'main', stableSuite: 'stable', prereleaseSuite: 'testing', keepVersions: 3, signingKey: { keyFile } },
      packages: [makeDeb(work, `1.0.${i}`)],
      liveDir: i ? join(trees[i - 1]!, 'deb') : null,
      outDir: join(tree, 'deb'),
    });
    trees.push(tree);
  }
  return trees;
}

const stagingRootOf = (trees: string[]) => dirname(dirname(trees[0]!));

function digestTree(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(relative(dir, p)).update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

test('readers see only consistent repositories while deploys switch trees', async () => {
  const key = generateTestKey();
  const trees = await successiveTrees(6, key.keyFile);
  const repoRoot = mkdtempSync(join(tmpdir(), 'tagship-reporoot-'));
  const deploy = createDeployActivities({ repoRoot, stagingRoot: stagingRootOf(trees) });
  const deployRepository = (i: Parameters<typeof deploy.deployRepository>[0]) => deploy.deployRepository(i);
  await deployRepository({ project: 'x', staging: trees[0]!, treeId: 't0' });
  const server = await startRepoServer({ root: repoRoot });
  const base = `${server.url}/x/deb`;
  let reads = 0;
  let inconsistent = 0;
  const problems: string[] = [];
  const versionsSeen = new Set<string>();
  let deploying = true;

  const reader = (async () => {
    // Bounded: stops when the deploys are done, or after 2,000 reads.
    while (deploying && reads < 2000) {
      reads++;
      const inRelease = await (await fetch(`${base}/dists/stable/InRelease`)).text();
      // As apt does: the index by the strongest hash the Release lists (SHA512 where listed).
      const m512 = /^ ([0-9a-f]{128}) +\d+ main\/binary-amd64\/Packages$/m.exec(inRelease);
      const m = m512 ?? /^ ([0-9a-f]{64}) +\d+ main\/binary-amd64\/Packages$/m.exec(inRelease);
      const algo = m512 ? 'SHA512' : 'SHA256';
      const packagesRes = m ? await fetch(`${base}/dists/stable/main/binary-amd64/by-hash/${algo}/${m[1]}`) : null;
      const packages = packagesRes?.ok ? Buffer.from(await packagesRes.arrayBuffer()) : null;
      if (!m || !packages || createHash(algo.toLowerCase()).update(packages).digest('hex') !== m[1]) {
        inconsistent++;
        problems.push(!m ? `InRelease without a Packages hash: ${inRelease.slice(0, 80)}` : `by-hash/${algo}/${m[1]!.slice(0, 16)}… -> ${packagesRes?.status}`);
        continue;
      }
      const entry = /Version: (\S+)\n[\s\S]*?Filename: (\S+)\n[\s\S]*?SHA256: ([0-9a-f]{64})/.exec(packages.toString());
      const deb = entry ? await fetch(`${base}/${entry[2]}`) : null;
      if (!entry || !deb?.ok || sha256(Buffer.from(await deb.arrayBuffer())) !== entry[3]) {
        inconsistent++;
        problems.push(`package ${entry?.[2]} -> ${deb?.status}`);
      }
      else versionsSeen.add(entry[1]!);
    }
  })();
  for (let i = 1; i < trees.length; i++) {
    await deployRepository({ project: 'x', staging: trees[i]!, treeId: `t${i}` });
    await new Promise((r) => setTimeout(r, 150));
  }
  deploying = false;
  await reader;
  await server.close();
  console.log(`consistency: ${reads} reads across ${trees.length - 1} switches, ${inconsistent} inconsistent, versions seen: ${[...versionsSeen].sort().join(' ')}`);
  assert.equal(inconsistent, 0, problems.join('\n'));
  assert.ok(reads > 20, `enough reads to mean something (${reads})`);
  assert.ok(versionsSeen.size >= 2, 'the reader saw the switch happen');
  assert.ok(readFileSync(join(repoRoot, 'x', 'current', 'deb', 'dists', 'stable', 'Release'), 'utf8').includes('SHA512:'), 'the Release lists SHA512, so apt asks by-hash/SHA512');
});

test('a deploy that fails midway leaves the previous tree served byte for byte; rollback restores the previous tree', async () => {
  const key = generateTestKey();
  const trees = await successiveTrees(3, key.keyFile);
  const repoRoot = mkdtempSync(join(tmpdir(), 'tagship-reporoot-'));
  const good = createDeployActivities({ repoRoot, stagingRoot: stagingRootOf(trees) });
  await good.deployRepository({ project: 'x', staging: trees[0]!, treeId: 't0' });
  await good.deployRepository({ project: 'x', staging: trees[1]!, treeId: 't1' });
  const server = await startRepoServer({ root: repoRoot });
  const live = () => realpathSync(join(repoRoot, 'x', 'current'));
  const before = digestTree(live());
  const servedBefore = await (await fetch(`${server.url}/x/deb/dists/stable/InRelease`)).text();

  // A staged tree that cannot be marked complete: the copy is made, the switch never comes.
  mkdirSync(join(trees[2]!, '.tagship-complete'));
  await assert.rejects(good.deployRepository({ project: 'x', staging: trees[2]!, treeId: 't2' }), /EISDIR/);
  assert.equal(digestTree(live()), before, 'the live tree is unchanged, byte for byte');
  assert.equal(await (await fetch(`${server.url}/x/deb/dists/stable/InRelease`)).text(), servedBefore);

  // The retried deploy completes; then rollback serves t1 again.
  rmdirSync(join(trees[2]!, '.tagship-complete'));
  await good.deployRepository({ project: 'x', staging: trees[2]!, treeId: 't2' });
  assert.match(live(), /t2$/);
  await good.rollbackRepository({ project: 'x' });
  assert.match(live(), /t1$/);
  assert.equal(digestTree(live()), before);
  assert.equal(await (await fetch(`${server.url}/x/deb/dists/stable/InRelease`)).text(), servedBefore);
  await server.close();
});

/** A tiny noarch rpm of the given version, made with the real rpmbuild. */
function makeRpm(dir: string, version: string): string {
  const top = mkdtempSync(join(tmpdir(), 'tagship-rpm-'));
  const spec = join(top, 'x.spec');
  execFileSync('sh', ['-c', `printf 'Name: x\\nVersion: ${version}\\nRelease: 1\\nSummary: x\\nLicense: MIT\\nBuildArch: noarch\\n%%description\\nx\\n%%install\\nmkdir -p %%{buildroot}/usr/share/x && head -c 20000 /dev/urandom > %%{buildroot}/usr/share/x/data\\n%%files\\n/usr/share/x/data\\n' > ${spec}`]);
  execFileSync('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, spec], { stdio: 'ignore' });
  const out = join(dir, `x-${version}-1.noarch.rpm`);
  execFileSync('sh', ['-c', `cp ${top}/RPMS/noarch/*.rpm ${out}`]);
  return out;
}

test('rpm readers (repomd.xml, primary, an rpm) see only consistent repositories while deploys switch trees', async () => {
  const key = generateTestKey();
  const docker = new Docker();
  const work = mkdtempSync(join(tmpdir(), 'tagship-rpmtrees-'));
  const trees: string[] = [];
  for (let i = 0; i < 5; i++) {
    const tree = join(work, 'x', `t${i}`);
    await buildRpmRepository(docker, {
      project: 'x', channel: 'stable', config: { keepVersions: 2, signingKey: { keyFile: key.keyFile }, baseUrl: 'http://127.0.0.1:1/x/rpm' },
      packages: [makeRpm(work, `1.0.${i}`)], liveDir: i ? join(trees[i - 1]!, 'rpm') : null, outDir: join(tree, 'rpm'),
      image: 'tagship/machine:bookworm-amd64', jobId: `consistency-${i}`,
    }, key.keyFile);
    trees.push(tree);
  }
  const repoRoot = mkdtempSync(join(tmpdir(), 'tagship-reporoot-'));
  const deploy = createDeployActivities({ repoRoot, stagingRoot: stagingRootOf(trees) });
  await deploy.deployRepository({ project: 'x', staging: trees[0]!, treeId: 't0' });
  const server = await startRepoServer({ root: repoRoot });
  const base = `${server.url}/x/rpm/stable`;
  let reads = 0;
  const problems: string[] = [];
  const seen = new Set<string>();
  let deploying = true;
  const reader = (async () => {
    while (deploying && reads < 2000) {
      reads++;
      const repomd = await (await fetch(`${base}/repodata/repomd.xml`)).text();
      const m = /<data type="primary">[\s\S]*?<checksum type="sha256">([0-9a-f]{64})<\/checksum>[\s\S]*?<location href="([^"]+)"/.exec(repomd);
      const primaryRes = m ? await fetch(`${base}/${m[2]}`) : null;
      const primaryGz = primaryRes?.ok ? Buffer.from(await primaryRes.arrayBuffer()) : null;
      if (!m || !primaryGz || sha256(primaryGz) !== m[1]) {
        problems.push(`primary ${m?.[2]} -> ${primaryRes?.status}`);
        continue;
      }
      const primary = gunzipSync(primaryGz).toString();
      const p = /<version epoch="\d+" ver="([^"]+)"[\s\S]*?<checksum type="sha256" pkgid="YES">([0-9a-f]{64})<\/checksum>[\s\S]*?<location href="([^"]+)"/.exec(primary);
      const rpm = p ? await fetch(`${base}/${p[3]}`) : null;
      if (!p || !rpm?.ok || sha256(Buffer.from(await rpm.arrayBuffer())) !== p[2]) problems.push(`rpm ${p?.[3]} -> ${rpm?.status}`);
      else seen.add(p[1]!);
    }
  })();
  for (let i = 1; i < trees.length; i++) {
    await deploy.deployRepository({ project: 'x', staging: trees[i]!, treeId: `t${i}` });
    await new Promise((r) => setTimeout(r, 150));
  }
  deploying = false;
  await reader;
  await server.close();
  console.log(`rpm consistency: ${reads} reads across ${trees.length - 1} switches, ${problems.length} inconsistent, versions seen: ${[...seen].sort().join(' ')}`);
  assert.deepEqual(problems, []);
  assert.ok(reads > 20);
  assert.ok(seen.size >= 2, 'the reader saw the switch happen');
});

test('rollback runs through Temporal under the repository\'s deploy id', async () => {
  const key = generateTestKey();
  const trees = await successiveTrees(2, key.keyFile, 'rb');
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const repoRoot = join(stateDir, 'repo-server');
    const deploy = createDeployActivities({ repoRoot, stagingRoot: stagingRootOf(trees) });
    await deploy.deployRepository({ project: 'rb', staging: trees[0]!, treeId: 't0' });
    await deploy.deployRepository({ project: 'rb', staging: trees[1]!, treeId: 't1' });
    const result = await rollbackRepository(client, { project: 'rb', taskQueue });
    assert.equal(result.live, 'trees/t0');
    assert.match(realpathSync(join(repoRoot, 'rb', 'current')), /t0$/);
    const d = await client.workflow.getHandle('repo-deploy:rb').describe();
    assert.equal(d.type, 'rollbackRepositoryWorkflow');
    await assert.rejects(rollbackRepository(client, { project: 'none', taskQueue }), /no previous repository tree/);
  });
});
