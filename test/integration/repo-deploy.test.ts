// Atomic deploys, seen from a reader: while trees are switched, every read is consistent; a
// deploy that fails midway leaves the old tree served byte for byte; rollback serves the
// previous tree again. Both repository hosts: a folder of this host behind the repo server, and
// an S3 bucket (SeaweedFS) read anonymously, as a static web server or CDN in front of it would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmdirSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { generateTestKey } from '../helpers/gpg.ts';
import { buildDebRepository } from '../../pipes/repositories/activities/deb.ts';
import { createDeployActivities } from '../../activities/deploy.ts';
import { buildRpmRepository } from '../../pipes/repositories/activities/rpm.ts';
import { gunzipSync } from 'node:zlib';
import Docker from 'dockerode';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { withWorker } from '../helpers/temporal.ts';
import { rollbackRepository } from '../../client/repo.ts';
import { startRepoServer } from '../../providers/reposerver/server.ts';
import { FsRepositoryHost } from '../../providers/repo-fs/host.ts';
import { S3RepositoryHost } from '../../providers/repo-s3/host.ts';
import { startS3Server } from '../../embedded/s3-server.ts';

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

/** A repository host serving project x at `url`: `deploy(i)` makes trees[i] live as a
 *  release would (staged on the host, then deployed through the activity). */
interface Served {
  url: string;
  deploy(i: number): Promise<unknown>;
  rollback(): Promise<unknown>;
  close(): Promise<void>;
}

async function served(kind: 'fs' | 's3', trees: string[]): Promise<Served & { s3?: Awaited<ReturnType<typeof startS3Server>> }> {
  const treeId = (i: number) => trees[i]!.split('/').pop()!;
  if (kind === 'fs') {
    const repoRoot = mkdtempSync(join(tmpdir(), 'tagship-reporoot-'));
    const deploy = createDeployActivities({ repositories: new FsRepositoryHost(repoRoot, stagingRootOf(trees)) });
    const server = await startRepoServer({ root: repoRoot });
    return { url: `${server.url}/x`, deploy: (i) => deploy.deployRepository({ project: 'x', staging: trees[i]!, treeId: treeId(i) }), rollback: () => deploy.rollbackRepository({ project: 'x' }), close: () => server.close() };
  }
  const s3 = await startS3Server({ publicBuckets: ['tagship-repos'] });
  const host = new S3RepositoryHost({ bucket: 'tagship-repos', endpoint: s3.endpoint, credentials: s3.credentials, cacheDir: mkdtempSync(join(tmpdir(), 'tagship-repocache-')), graceMs: 0 });
  const deploy = createDeployActivities({ repositories: host });
  return {
    s3,
    url: `${s3.endpoint}/tagship-repos/x`,
    deploy: async (i) => {
      await host.stage('x', treeId(i), trees[i]!);
      return deploy.deployRepository({ project: 'x', treeId: treeId(i) });
    },
    rollback: () => deploy.rollbackRepository({ project: 'x' }),
    close: () => s3.close(),
  };
}

for (const kind of ['fs', 's3'] as const) test(`readers see only consistent repositories while deploys switch trees (${kind})`, async () => {
  const key = generateTestKey();
  const trees = await successiveTrees(6, key.keyFile);
  const host = await served(kind, trees);
  await host.deploy(0);
  const base = `${host.url}/deb`;
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
    await host.deploy(i);
    await new Promise((r) => setTimeout(r, 150));
  }
  deploying = false;
  await reader;
  const release = await (await fetch(`${base}/dists/stable/Release`)).text();
  // Hidden files (the builders' state) are never served.
  const hidden = await fetch(`${base}/.tagship-repo.json`);
  await host.close();
  console.log(`consistency (${kind}): ${reads} reads across ${trees.length - 1} switches, ${inconsistent} inconsistent, versions seen: ${[...versionsSeen].sort().join(' ')}`);
  assert.equal(inconsistent, 0, problems.join('\n'));
  assert.ok(reads > 20, `enough reads to mean something (${reads})`);
  assert.ok(versionsSeen.size >= 2, 'the reader saw the switch happen');
  assert.ok(release.includes('SHA512:'), 'the Release lists SHA512, so apt asks by-hash/SHA512');
  assert.notEqual(hidden.status, 200, 'the repository state file is not served');
});

test('a deploy that fails midway leaves the previous tree served byte for byte; rollback restores the previous tree', async () => {
  const key = generateTestKey();
  const trees = await successiveTrees(3, key.keyFile);
  const repoRoot = mkdtempSync(join(tmpdir(), 'tagship-reporoot-'));
  const good = createDeployActivities({ repositories: new FsRepositoryHost(repoRoot, stagingRootOf(trees)) });
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

test('S3 host: a deploy that fails midway leaves the live tree served; old generations are pruned, the bucket is read-only to anyone else; rollback restores the previous tree', async () => {
  const key = generateTestKey();
  const trees = await successiveTrees(4, key.keyFile);
  const host = await served('s3', trees);
  const s3 = host.s3!;
  const admin = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: s3.credentials });
  const keys = async (prefix: string) => (await admin.send(new ListObjectsV2Command({ Bucket: 'tagship-repos', Prefix: prefix }))).Contents?.map((o) => o.Key!) ?? [];
  const inRelease = async () => (await fetch(`${host.url}/deb/dists/stable/InRelease`)).text();
  const readJson = async <T,>(key: string) => JSON.parse(await (await admin.send(new GetObjectCommand({ Bucket: 'tagship-repos', Key: key }))).Body!.transformToString()) as T;
  type Tree = { files: Record<string, { sha256: string }> };
  try {
    await host.deploy(0);
    await host.deploy(1);
    const servedBefore = await inRelease();
    assert.match(servedBefore, /BEGIN PGP SIGNED MESSAGE/);
    // The staged t2 loses one of the files it adds (its new package) before the deploy.
    const treeManifest = await readJson<Tree>('.tagship/x/trees/t1.json');
    const before = new Set(Object.values(treeManifest.files).map((f) => f.sha256));
    const stageOnly = new S3RepositoryHost({ bucket: 'tagship-repos', endpoint: s3.endpoint, credentials: s3.credentials, cacheDir: mkdtempSync(join(tmpdir(), 'tagship-repocache-')) });
    await stageOnly.stage('x', 't2', trees[2]!);
    const t2 = await readJson<Tree>('.tagship/x/trees/t2.json');
    const added = Object.entries(t2.files).find(([p, f]) => p.endsWith('.deb') && !before.has(f.sha256))!;
    await admin.send(new DeleteObjectCommand({ Bucket: 'tagship-repos', Key: `.tagship/x/blobs/${added[1].sha256}` }));
    const deploy = createDeployActivities({ repositories: stageOnly });
    await assert.rejects(deploy.deployRepository({ project: 'x', treeId: 't2' }));
    assert.equal(await inRelease(), servedBefore, 'the entry point still names the live tree');
    assert.equal((await readJson<{ current: string }>('.tagship/x/live.json')).current, 't1');

    // Staged again (as a retried build does), the deploy completes; a later one prunes.
    await host.deploy(2);
    assert.notEqual(await inRelease(), servedBefore);
    await host.deploy(3);
    const servedKeys = await keys('x/');
    assert.ok(servedKeys.every((k) => !k.split('/').some((p) => p.startsWith('.'))), 'no hidden file is served');
    const t3 = Object.keys((await readJson<Tree>('.tagship/x/trees/t3.json')).files).filter((p) => !p.split('/').some((x) => x.startsWith('.')));
    const t2paths = Object.keys(t2.files).filter((p) => !p.split('/').some((x) => x.startsWith('.')));
    assert.deepEqual(servedKeys.sort(), [...new Set([...t3, ...t2paths])].map((p) => `x/${p}`).sort(), 'the live tree and the previous one are served, nothing older');
    assert.deepEqual((await keys('.tagship/x/trees/')).sort(), ['.tagship/x/trees/t2.json', '.tagship/x/trees/t3.json']);

    // Anyone reads the repository; nobody without the credentials writes it or reads the store.
    const put = await fetch(`${host.url}/deb/dists/stable/InRelease`, { method: 'PUT', body: 'forged' });
    assert.ok(put.status === 403 || put.status === 401, `an anonymous PUT is refused (${put.status})`);
    assert.notEqual(await inRelease(), 'forged');
    const store = await fetch(`${s3.endpoint}/${s3.bucket}/`);
    assert.ok(store.status === 403 || store.status === 401, `the artifact bucket is not public (${store.status})`);

    // A tree with a link in it (a hostile build's package pointing at the host's files) is
    // refused before anything of it is uploaded.
    const linked = mkdtempSync(join(tmpdir(), 'tagship-linked-'));
    mkdirSync(join(linked, 'deb'));
    symlinkSync('/etc/passwd', join(linked, 'deb', 'passwd'));
    await assert.rejects(stageOnly.stage('x', 't9', linked), /deb\/passwd is neither a file nor a folder/);
    assert.deepEqual(await keys('.tagship/x/trees/t9'), [], 'no manifest of it');

    const atT3 = await inRelease();
    await host.rollback();
    const rolledBack = await inRelease();
    assert.notEqual(rolledBack, atT3);
    await host.rollback();
    assert.equal(await inRelease(), atT3, 'rolling back twice serves t3 again');
  } finally {
    admin.destroy();
    await host.close();
  }
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

for (const kind of ['fs', 's3'] as const) test(`rpm readers (repomd.xml, primary, an rpm) see only consistent repositories while deploys switch trees (${kind})`, async () => {
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
  const host = await served(kind, trees);
  await host.deploy(0);
  const base = `${host.url}/rpm/stable`;
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
    await host.deploy(i);
    await new Promise((r) => setTimeout(r, 150));
  }
  deploying = false;
  await reader;
  await host.close();
  console.log(`rpm consistency (${kind}): ${reads} reads across ${trees.length - 1} switches, ${problems.length} inconsistent, versions seen: ${[...seen].sort().join(' ')}`);
  assert.deepEqual(problems, []);
  assert.ok(reads > 20);
  assert.ok(seen.size >= 2, 'the reader saw the switch happen');
});

test('rollback runs through Temporal under the repository\'s deploy id', async () => {
  const key = generateTestKey();
  const trees = await successiveTrees(2, key.keyFile, 'rb');
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const repoRoot = join(stateDir, 'repo-server');
    const deploy = createDeployActivities({ repositories: new FsRepositoryHost(repoRoot, stagingRootOf(trees)) });
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
