// Builds the signed .rpm repository of a release inside a container from the machine image,
// as the seed does with a Rocky container — but started through dockerode and waited on until
// it exits, its status checked (the seed used a fixed `sleep 2`). The new rpms are signed with
// rpmsign, indexed with createrepo_c, and repodata/repomd.xml gets a detached signature.
// Which rpms each suite lists is planned here, with the same keep-N rules as the deb pool;
// the previous generation's rpms and metadata stay one generation longer, unindexed. A release
// pays for what it adds: carried rpms are hard links to the live tree's (signed already, times
// kept), and createrepo_c --update takes their metadata from the live repodata instead of
// reading each package again.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import type { Channel } from '../../../core/tag.ts';
import { nextSuiteState, requireServed, suiteFor, type PackageFile, type SuiteState } from '../../../core/repo-plan.ts';
import { MachineLabel } from '../../../core/names.ts';
import { machineDeadline } from '../../../core/reaper.ts';
import { FailureType, nonRetryable, tailLines } from '../../../core/failures.ts';
import type { SigningKeyRef } from '../../../activities/signing.ts';
import { placeFile } from './place-file.ts';

const run = promisify(execFile);
const STATE_FILE = '.tagship-repo.json';

export interface RpmRepoConfig {
  keepVersions: number;
  signingKey: SigningKeyRef;
  /** Where clients reach this rpm tree; written into the .repo file. */
  baseUrl: string;
}

/** The .repo file users drop into /etc/yum.repos.d: signatures checked on packages and metadata. */
export function repoFile(project: string, suite: string, baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return [`[${project}-${suite}]`, `name=${project} (${suite})`, `baseurl=${base}/${suite}`, 'enabled=1', 'gpgcheck=1', 'repo_gpgcheck=1', `gpgkey=${base}/RPM-GPG-KEY-${project}`, ''].join('\n');
}

export interface RpmRepoInput {
  project: string;
  channel: Channel;
  config: RpmRepoConfig;
  packages: string[];
  liveDir: string | null;
  outDir: string;
  /** The container image with rpm, createrepo_c and gnupg. */
  image: string;
  /** For the container's name: a retry replaces the container of an earlier attempt. */
  jobId: string;
  /** The release workflow it works for: labelled on the container, so the reaper removes one
   *  a crashed worker left behind once that release has closed. */
  owner?: string;
}

export interface RpmRepoResult {
  suite: string;
  suites: Record<string, number>;
}

/** Name, version and arch of each rpm, in the order given: one `rpm -qp` per batch of files
 *  (one process per package was seconds of a repository of a thousand). */
async function describeRpms(paths: string[]): Promise<PackageFile[]> {
  const out: PackageFile[] = [];
  for (let i = 0; i < paths.length; i += 256) {
    const batch = paths.slice(i, i + 256);
    const { stdout } = await run('rpm', ['-qp', '--nosignature', '--qf', '%{NAME}\\t%{VERSION}-%{RELEASE}\\t%{ARCH}\\n', '--', ...batch], { maxBuffer: 16 << 20 });
    const lines = stdout.split('\n').filter(Boolean);
    if (lines.length !== batch.length) throw new Error(`rpm described ${lines.length} of ${batch.length} packages: ${stdout.slice(0, 200)}`);
    lines.forEach((line, j) => {
      const [name, version, arch] = line.split('\t') as [string, string, string];
      out.push({ file: batch[j]!.split('/').pop()!, name, version, arch });
    });
  }
  return out;
}

/** The shell script the container runs; every step fails the script (set -e). */
function containerScript(project: string, suites: string[], fingerprint: string | undefined): string {
  const lines = [
    'set -eu',
    'export GNUPGHOME=$(mktemp -d)',
    'gpg --batch --quiet --import /key/signing-key 2>/dev/null',
    `FPR=${fingerprint ? `'${fingerprint}'` : "$(gpg --with-colons --list-secret-keys | awk -F: '/^fpr:/ {print $10; exit}')"}`,
    'test -n "$FPR" || { echo "no secret key in the key file" >&2; exit 3; }',
    `gpg --batch --armor --export "$FPR" > /out/RPM-GPG-KEY-${project}`,
    'PARTS=$(nproc); [ "$PARTS" -le 8 ] || PARTS=8',
  ];
  for (const suite of suites) {
    lines.push(
      `cd /out/${suite}`,
      // Sign only what is not signed yet: carried-over rpms keep their signatures. The cost is
      // the private-key operation (~10 ms for RSA-3072 here, 3x an ed25519 one) and one gpg-agent
      // does one at a time, so each core gets its share of the list and an agent of its own
      // (1,000 packages: 14.5 s with one agent, 9.0 s with two). rpmsign in batches of 64:
      // one process per package cost seconds more.
      'if [ -s .tosign ]; then',
      '  split -n "r/$PARTS" .tosign .tosign.part.',
      '  pids=""',
      '  for part in .tosign.part.*; do',
      '    ( GNUPGHOME=$(mktemp -d); export GNUPGHOME; gpg --batch --quiet --import /key/signing-key 2>/dev/null',
      '      xargs -r -n 64 rpmsign --define "__gpg $(command -v gpg)" --define "_gpg_name $FPR" --addsign < "$part" >/dev/null ) &',
      '    pids="$pids $!"',
      '  done',
      '  for p in $pids; do wait "$p"; done',
      'fi',
      'rm -f .tosign .tosign.part.*',
      // --update: packages whose name, size and time match the previous repodata keep its entries.
      'if [ -f repodata/repomd.xml ]; then createrepo_c --quiet --update --pkglist .pkglist --unique-md-filenames .; else createrepo_c --quiet --pkglist .pkglist --unique-md-filenames .; fi',
      'rm -f .pkglist',
      'gpg --batch --yes --local-user "$FPR" --armor --detach-sign -o repodata/repomd.xml.asc repodata/repomd.xml',
    );
  }
  lines.push('echo done');
  return lines.join('\n');
}

export async function buildRpmRepository(docker: Docker, input: RpmRepoInput, keyFile: string): Promise<RpmRepoResult> {
  const suite = suiteFor(input.channel, { stable: 'stable', prerelease: 'testing' });
  const previous: SuiteState = input.liveDir && existsSync(join(input.liveDir, STATE_FILE)) ? (JSON.parse(await readFile(join(input.liveDir, STATE_FILE), 'utf8')) as SuiteState) : {};
  const added = await describeRpms(input.packages);
  const state = nextSuiteState(previous, suite, added, input.config.keepVersions);
  requireServed(state, suite, added);
  const newByFile = new Map(input.packages.map((p) => [p.split('/').pop()!, p]));

  await rm(input.outDir, { recursive: true, force: true });
  await mkdir(input.outDir, { recursive: true });
  for (const [name, files] of Object.entries(state)) {
    const dir = join(input.outDir, name);
    await mkdir(dir, { recursive: true });
    const previousFiles = (previous[name] ?? []).map((f) => f.file);
    const indexed = files.map((f) => f.file);
    for (const file of new Set([...indexed, ...previousFiles])) {
      const fresh = newByFile.get(file);
      const from = fresh ?? join(input.liveDir ?? '', name, file);
      if (!existsSync(from)) throw new Error(`rpm ${file} of suite ${name} is missing from the live repository`);
      await mkdir(dirname(join(dir, file)), { recursive: true });
      // The release's own rpms are copied: rpmsign rewrites them. Carried ones never change.
      if (fresh) await copyFile(from, join(dir, file));
      else await placeFile(from, join(dir, file));
    }
    // The live metadata, for createrepo_c --update to take unchanged packages' entries from.
    const liveRepodata = input.liveDir ? join(input.liveDir, name, 'repodata') : null;
    if (liveRepodata && existsSync(join(liveRepodata, 'repomd.xml'))) await cp(liveRepodata, join(dir, 'repodata'), { recursive: true });
    await writeFile(join(dir, '.pkglist'), indexed.join('\n') + '\n');
    await writeFile(join(dir, '.tosign'), indexed.filter((f) => newByFile.has(f)).join('\n') + '\n');
  }

  const name = `tagship-rpmrepo-${input.jobId}`;
  await docker.getContainer(name).remove({ force: true }).catch(() => undefined);
  const container = await docker.createContainer({
    name,
    Image: input.image,
    Cmd: ['sh', '-c', containerScript(input.project, Object.keys(state), input.config.signingKey.fingerprint)],
    Labels: {
      [MachineLabel.managed]: 'true',
      [MachineLabel.role]: 'rpm-repository',
      // Signing is minutes at most: past this deadline the reaper removes it whatever the release.
      [MachineLabel.deadline]: machineDeadline(Date.now(), 20),
      ...(input.owner ? { [MachineLabel.release]: input.owner } : {}),
    },
    // A TTY makes the logs plain text (no stream multiplexing) for the failure message.
    Tty: true,
    HostConfig: { NetworkMode: 'none', Binds: [`${input.outDir}:/out`, `${keyFile}:/key/signing-key:ro`] },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    if (StatusCode !== 0) {
      const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
      throw nonRetryable(FailureType.RepositoryFailed, `building the rpm repository failed in its container (exit ${StatusCode}):\n${tailLines(logs)}`);
    }
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }

  // Carry the live repodata files over, unindexed, for clients between repomd.xml and a fetch.
  for (const name of Object.keys(state)) {
    const liveRepodata = input.liveDir ? join(input.liveDir, name, 'repodata') : null;
    if (liveRepodata && existsSync(liveRepodata)) {
      for (const f of await readdir(liveRepodata)) {
        const to = join(input.outDir, name, 'repodata', f);
        if (!existsSync(to) && !f.startsWith('repomd.xml')) await copyFile(join(liveRepodata, f), to);
      }
    }
  }
  for (const name of Object.keys(state)) await writeFile(join(input.outDir, name, `${input.project}.repo`), repoFile(input.project, name, input.config.baseUrl));
  await writeFile(join(input.outDir, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
  return { suite, suites: Object.fromEntries(Object.entries(state).map(([k, v]) => [k, v.length])) };
}
