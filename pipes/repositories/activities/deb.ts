// Builds the signed .deb repository of a release: pool/, dists/<suite>/<component>/binary-<arch>/
// Packages(.gz) with by-hash copies, Release (hashing the index files only — it is made in a
// fresh tree, so it can never hash an earlier signature), InRelease and Release.gpg.
// Earlier versions and the other suite are carried over from the live tree; files the live
// indexes name stay in the pool for one more generation, so switching trees never breaks a
// client that is between reading an index and fetching a package. A release pays for what it
// adds: a package the live tree carries keeps its stanza from the live Packages index (same
// pool file, hard-linked), and only the release's own files are read and hashed.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Channel } from '../../../core/tag.ts';
import { nextSuiteState, requireServed, poolFiles, poolPath, suiteFor, type PackageFile, type SuiteState } from '../../../core/repo-plan.ts';
import { withSigner, type SigningKeyRef } from '../../../activities/signing.ts';
import { placeFile } from './place-file.ts';

const run = promisify(execFile);

export interface DebRepoConfig {
  component: string;
  stableSuite: string;
  prereleaseSuite: string;
  /** Absent in configs loaded before nightlies (the default, "nightly", then). */
  nightlySuite?: string;
  keepVersions: number;
  signingKey: SigningKeyRef;
}

export interface DebRepoInput {
  project: string;
  channel: Channel;
  config: DebRepoConfig;
  /** The release's .deb files on this host. */
  packages: string[];
  /** The deployed tree's deb/ folder, if any: earlier versions and by-hash files come from it. */
  liveDir: string | null;
  /** Where to write the new deb/ folder (emptied first). */
  outDir: string;
}

export interface DebRepoResult {
  suite: string;
  suites: Record<string, number>;
  fingerprint: string;
}

const STATE_FILE = '.tagship-repo.json';
const ARCHES = ['amd64', 'arm64'];

async function describeDeb(path: string): Promise<PackageFile> {
  const { stdout } = await run('dpkg-deb', ['-f', path, 'Package', 'Version', 'Architecture']);
  const f = Object.fromEntries(stdout.trim().split('\n').map((l) => l.split(': ', 2) as [string, string]));
  return { file: path.split('/').pop()!, name: f.Package!, version: f.Version!, arch: f.Architecture! };
}

/** The by-hash folders served: each algorithm the Release lists that apt may pick. */
const BY_HASH = ['SHA256', 'SHA512'] as const;

function digest(algo: (typeof BY_HASH)[number], b: Buffer): string {
  return createHash(algo.toLowerCase()).update(b).digest('hex');
}

/** A Packages index's stanzas by their Filename (the pool path); none for a missing index. */
export function stanzasByFilename(index: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const stanza of index.split(/\n{2,}/)) {
    const file = /^Filename: (.+)$/m.exec(stanza)?.[1];
    if (file) out.set(file.trim(), stanza.trim());
  }
  return out;
}

export async function buildDebRepository(input: DebRepoInput): Promise<DebRepoResult> {
  const { config, outDir } = input;
  const suite = suiteFor(input.channel, { stable: config.stableSuite, prerelease: config.prereleaseSuite, ...(config.nightlySuite ? { nightly: config.nightlySuite } : {}) });
  const previous: SuiteState = input.liveDir && existsSync(join(input.liveDir, STATE_FILE)) ? (JSON.parse(await readFile(join(input.liveDir, STATE_FILE), 'utf8')) as SuiteState) : {};
  const added = await Promise.all(input.packages.map(describeDeb));
  const state = nextSuiteState(previous, suite, added, config.keepVersions);
  requireServed(state, suite, added);

  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const newByFile = new Map(input.packages.map((p) => [p.split('/').pop()!, p]));
  const all = new Map<string, PackageFile>();
  for (const f of [...Object.values(previous).flat(), ...Object.values(state).flat()]) all.set(f.file, f);
  // The pool keeps the previous generation's files one generation longer: a client that read
  // the old index just before the switch must still find every package it names.
  for (const file of [...new Set([...poolFiles(state), ...poolFiles(previous)])]) {
    const f = all.get(file)!;
    const rel = poolPath(config.component, f);
    const from = newByFile.get(file) ?? join(input.liveDir ?? '', rel);
    if (!existsSync(from)) throw new Error(`pool file ${rel} is listed in the live repository's state but missing from its pool`);
    await placeFile(from, join(outDir, rel));
  }

  const counts: Record<string, number> = {};
  for (const [name, files] of Object.entries(state)) {
    counts[name] = files.length;
    const suiteDir = join(outDir, 'dists', name);
    for (const arch of ARCHES) {
      const binDir = join(suiteDir, config.component, `binary-${arch}`);
      // What the live index says of the files it already lists (carried over, byte for byte).
      const live = input.liveDir ? stanzasByFilename(await readFile(join(input.liveDir, 'dists', name, config.component, `binary-${arch}`, 'Packages'), 'utf8').catch(() => '')) : new Map<string, string>();
      const stanzas = new Map<string, string>();
      // apt-ftparchive scans a folder: give it one holding just the files no live stanza covers.
      const scan = join(outDir, '.scan', name, arch);
      for (const f of files.filter((x) => x.arch === arch || x.arch === 'all')) {
        const rel = poolPath(config.component, f);
        const carried = newByFile.has(f.file) ? undefined : live.get(rel);
        if (carried) stanzas.set(rel, carried);
        else await placeFile(join(outDir, rel), join(scan, rel));
      }
      const { stdout } = existsSync(join(scan, 'pool')) ? await run('apt-ftparchive', ['packages', 'pool'], { cwd: scan, maxBuffer: 64 << 20 }) : { stdout: '' };
      for (const [rel, stanza] of stanzasByFilename(stdout)) stanzas.set(rel, stanza);
      await mkdir(binDir, { recursive: true });
      // Sorted by pool path: the same files always give the same index.
      const packages = Buffer.from([...stanzas.keys()].sort().map((k) => `${stanzas.get(k)!}\n\n`).join(''));
      const gz = gzipSync(packages, { level: 9 });
      await writeFile(join(binDir, 'Packages'), packages);
      await writeFile(join(binDir, 'Packages.gz'), gz);
    }
    await rm(join(outDir, '.scan', name), { recursive: true, force: true });
    const { stdout: release } = await run('apt-ftparchive', [
      '-o', `APT::FTPArchive::Release::Origin=${input.project}`,
      '-o', `APT::FTPArchive::Release::Label=${input.project}`,
      '-o', `APT::FTPArchive::Release::Suite=${name}`,
      '-o', `APT::FTPArchive::Release::Codename=${name}`,
      '-o', `APT::FTPArchive::Release::Architectures=${ARCHES.join(' ')}`,
      '-o', `APT::FTPArchive::Release::Components=${config.component}`,
      '-o', 'APT::FTPArchive::Release::Acquire-By-Hash=yes',
      'release', '.',
    ], { cwd: suiteDir });
    await writeFile(join(suiteDir, 'Release'), release);
    // by-hash copies, this generation's and the live tree's, so a client that read the old
    // InRelease just before the switch still finds the indexes it names. apt asks for the
    // strongest hash the Release lists (SHA512), so every listed algorithm gets its folder.
    for (const arch of ARCHES) {
      const rel = join(config.component, `binary-${arch}`);
      const liveIndexes = input.liveDir ? await Promise.all(['Packages', 'Packages.gz'].map((i) => readFile(join(input.liveDir!, 'dists', name, rel, i)).catch(() => null))) : [];
      for (const algo of BY_HASH) {
        const byHash = join(suiteDir, rel, 'by-hash', algo);
        await mkdir(byHash, { recursive: true });
        for (const idx of ['Packages', 'Packages.gz']) {
          const content = await readFile(join(suiteDir, rel, idx));
          await writeFile(join(byHash, digest(algo, content)), content);
        }
        const liveByHash = input.liveDir ? join(input.liveDir, 'dists', name, rel, 'by-hash', algo) : null;
        if (liveByHash && existsSync(liveByHash)) {
          const wanted = liveIndexes.flatMap((c) => (c ? [digest(algo, c)] : []));
          for (const h of await readdir(liveByHash)) if (wanted.includes(h)) await placeFile(join(liveByHash, h), join(byHash, h));
        }
      }
    }
  }
  await rm(join(outDir, '.scan'), { recursive: true, force: true });
  await writeFile(join(outDir, STATE_FILE), JSON.stringify(state, null, 2) + '\n');

  const fingerprint = await withSigner(config.signingKey, async (signer) => {
    for (const name of Object.keys(state)) {
      const suiteDir = join(outDir, 'dists', name);
      await signer.detachSign(join(suiteDir, 'Release'), join(suiteDir, 'Release.gpg'));
      await signer.clearsign(join(suiteDir, 'Release'), join(suiteDir, 'InRelease'));
    }
    await signer.exportPublic(join(outDir, `${input.project}-archive-keyring.asc`), join(outDir, `${input.project}-archive-keyring.gpg`));
    return signer.fingerprint;
  });
  return { suite, suites: counts, fingerprint };
}
