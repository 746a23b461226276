// Loads a project for release. Normally from its repository: the tag is fetched into the
// project's bare mirror and resolved to a commit; the commit must be the one the hook (or the
// CLI) was told about, and with a signed-tag policy the tag must carry an allowed signature;
// tagship.yml is read from that commit and the commit's tree is packed with `git archive`.
// Every check runs before the tarball is written, so a bad tag or config changes nothing.
// A working tree (`--from-dir`, local experiments only) is packed with tar and marked
// unreproducible.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { formatConfigErrors, parseConfig, type ConfigError } from '../core/config/parse.ts';
import type { TagshipConfig } from '../core/config/schema.ts';
import { parseReleaseTag, tagPrefixProblem } from '../core/tag.ts';
import { declaredIn, manifestPaths, versionDisagreement, type DeclaredVersion, type Published } from '../core/declared-versions.ts';
import { parse as parseToml } from 'smol-toml';
import { sha256File } from '../providers/files/sha256.ts';
import { CI_REF, CommitNotFoundError, FileTooLargeError, lsRemoteBranch, lsRemoteTags, TagNotFoundError, type GitMirrors, type ResolvedTag } from '../providers/git/mirror.ts';
import { checkTagSignature } from '../providers/git/signatures.ts';
import type { Projects } from '../providers/projects/file.ts';
import { withHeartbeat } from './heartbeat.ts';
import { invalidInput, requireName } from './inputs.ts';
import type { LoadProjectResult, SourceRef } from '../core/source.ts';
import { nightlyVersion } from '../core/nightly.ts';
import type { SourceTars } from '../providers/sources/tars.ts';

export type { LoadProjectResult, SourceRef } from '../core/source.ts';

const run = promisify(execFile);

export interface LoadProjectInput {
  /** The project the caller meant; a mismatch with the config's `project` is an error. */
  project: string;
  /** The tag to fetch from the project's repository (absent only for a working tree). */
  tag?: string;
  /** The commit the hook or the CLI saw the tag name; the release fails if it names another. */
  expectedCommit?: string;
  /** A working tree on the orchestrator's host instead of the repository: unreproducible. */
  projectDir?: string;
  /** A nightly: the branch head (`commit`) instead of a tag. */
  nightly?: { branch: string; commit: string };
}

/** Directories of a working tree that are build output or tooling, never source. */
const EXCLUDES = ['.git', 'node_modules', 'target', 'out', 'dist', '__pycache__', '.tagship'];

export type ReadConfigResult = { ok: true; config: TagshipConfig } | { ok: false; message: string; errors?: ConfigError[] };

/** Validates tagship.yml's text; `where` names it in messages (a file, or `tagship.yml at <commit>`). */
export function checkProjectConfig(text: string | null, where: string, project?: string): ReadConfigResult {
  if (text === null) return { ok: false, message: `${where} could not be read; a released project needs a tagship.yml at its root` };
  const parsed = parseConfig(text);
  if (!parsed.ok) return { ok: false, message: formatConfigErrors(where, parsed.errors), errors: parsed.errors };
  if (project !== undefined && parsed.config.project !== project) {
    return { ok: false, message: `${where}: project is "${parsed.config.project}" but the release was started for "${project}"; use the project named in tagship.yml` };
  }
  return parsed;
}

/** Reads and validates <projectDir>/tagship.yml (working-tree releases). */
export async function readProjectConfig(projectDir: string, project?: string): Promise<ReadConfigResult> {
  const file = join(resolve(projectDir), 'tagship.yml');
  return checkProjectConfig(await readFile(file, 'utf8').catch(() => null), file, project);
}

export function digest(text: string | Buffer): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

export interface SourceDeps {
  stateDir: string;
  /** The projects file's entries: repository URL, credentials, signed-tag policy. */
  projects?: Projects;
  mirrors?: GitMirrors;
  /** Which release outcomes the worker posts (activities/notify.ts), told to the release with
   *  what it loads; never the URL. */
  notify?: 'failure' | 'all';
  /** Told to the release with what it loads: machines are created while the gate runs, unless
   *  tagship.yml says otherwise (docker machines: yes; droplets: no). */
  provisionDuringGate?: boolean;
  /** Shares each packed source through the artifact store, for steps on other hosts. */
  sources?: SourceTars;
}

/** Moves a packed tarball to its content address, where build agents fetch it by sha256, and
 *  shares it with the other worker hosts. */
async function contentAddressed(deps: SourceDeps, pack: (tmp: string) => Promise<void>, name: string): Promise<SourceRef> {
  const sources = join(deps.stateDir, 'sources');
  await mkdir(sources, { recursive: true });
  const tmp = join(sources, `.${name}-${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2)}.tar`);
  try {
    await pack(tmp);
    const sha256 = await sha256File(tmp);
    const path = join(sources, `${sha256}.tar`);
    await rename(tmp, path);
    await deps.sources?.share(sha256);
    return { path, sha256 };
  } finally {
    await rm(tmp, { force: true });
  }
}

/** A tag that cannot be released as it stands; `type` says why (the activity raises it as a
 *  non-retryable failure, the CLI as bad input). */
export class SourceProblem extends Error {
  constructor(
    readonly type: FailureType,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'SourceProblem';
  }
}

export interface InspectedTag {
  config: TagshipConfig;
  configText: string;
  resolved: ResolvedTag;
  repository: string;
  signedBy?: string;
}

/** Fetches the tag into the project's mirror and checks everything about it that can be
 *  checked before anything runs: that it exists, names the expected commit, carries an allowed
 *  signature when required, and that tagship.yml at that commit is valid for the project. */
export async function inspectTag(deps: SourceDeps, input: { project: string; tag: string; expectedCommit?: string }, signal?: AbortSignal): Promise<InspectedTag> {
  const { projects, mirrors } = deps;
  const entry = projects?.get(input.project);
  if (!projects || !mirrors || !entry) {
    throw new SourceProblem(FailureType.ConfigInvalid, `project ${input.project} is not in ${projects?.origin ?? 'the projects file'}; add it with its repository URL (TAGSHIP_PROJECTS names the file)`);
  }
  if (!parseReleaseTag(input.tag).ok) throw new SourceProblem(FailureType.InvalidTag, `tag "${input.tag}" is not a release tag`);
  const credentials = projects.credentialsOf(input.project);
  const resolved = await mirrors.fetchTag(input.project, entry.repository, input.tag, { ...(credentials ? { credentials } : {}), ...(signal ? { signal } : {}) }).catch((err: unknown) => {
    if (err instanceof TagNotFoundError) throw new SourceProblem(FailureType.TagNotFound, `${entry.repository} has no tag ${input.tag}; push the tag, then start the release again`);
    throw err;
  });
  if (input.expectedCommit && input.expectedCommit !== resolved.commit && input.expectedCommit !== resolved.tagObject) {
    throw new SourceProblem(
      FailureType.TagMoved,
      `tag ${input.tag} now points at commit ${resolved.commit}, but the release was started for commit ${input.expectedCommit}: the tag was moved after it was pushed. Nothing was built; push a new tag for the commit you mean to release`,
      { expected: input.expectedCommit, actual: resolved.commit },
    );
  }
  let signedBy: string | undefined;
  const keys = projects.tagKeysOf(input.project);
  if (keys) {
    const verdict = await checkTagSignature(mirrors, input.project, resolved, keys).catch((err: unknown) => {
      throw new SourceProblem(FailureType.ConfigInvalid, `projects.${input.project}.requireSignedTags: ${(err as Error).message}`);
    });
    if (!verdict.ok) throw new SourceProblem(FailureType.TagSignatureInvalid, verdict.reason);
    signedBy = verdict.fingerprint;
  }
  const text = (
    await mirrors.readFile(input.project, resolved.commit, 'tagship.yml').catch((err: unknown) => {
      if (err instanceof FileTooLargeError) throw new SourceProblem(FailureType.ConfigInvalid, `tagship.yml at ${resolved.commit.slice(0, 12)} (tag ${input.tag}): ${err.message}; a release config is a few KiB`);
      throw err;
    })
  )?.toString('utf8') ?? null;
  const parsed = checkProjectConfig(text, `tagship.yml at ${resolved.commit.slice(0, 12)} (tag ${input.tag})`, input.project);
  if (!parsed.ok) throw new SourceProblem(FailureType.ConfigInvalid, parsed.message, parsed.errors);
  const prefix = tagPrefixProblem(input.tag, parsed.config.tag.prefix);
  if (prefix) throw new SourceProblem(FailureType.InvalidTag, prefix);
  const disagreement = await versionProblem(input.tag, parsed.config, (path) => mirrors.readFile(input.project, resolved.commit, path).then((b) => b?.toString('utf8') ?? null, () => null), await mirrors.paths(input.project, resolved.commit, MANIFEST_DEPTH));
  if (disagreement) throw new SourceProblem(FailureType.InvalidTag, disagreement);
  return { config: parsed.config, configText: text!, resolved, repository: entry.repository, ...(signedBy ? { signedBy } : {}) };
}

/** How deep workspaces keep their members' manifests (`crates/core/Cargo.toml`). */
const MANIFEST_DEPTH = 2;

/** A working tree's file paths, at most `maxDepth` folders down (build output and VCS folders
 *  left out, as the source tarball leaves them out). */
async function treePaths(dir: string, maxDepth: number, prefix = ''): Promise<string[]> {
  const entries = await readdir(join(dir, prefix), { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const path = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isFile()) out.push(path);
    else if (e.isDirectory() && maxDepth > 0 && !EXCLUDES.includes(e.name)) out.push(...(await treePaths(dir, maxDepth - 1, path)));
  }
  return out;
}

/** Whether the manifests (the root Cargo.toml and pyproject.toml, and the members' of what the
 *  release publishes) contradict the tag's version, when tagship.yml asks for the check (the
 *  default). A file that is absent or not TOML is not checked. `files`: the tree's paths. */
async function versionProblem(tag: string, config: TagshipConfig, read: (path: string) => Promise<string | null>, files: readonly string[]): Promise<string | null> {
  const parsedTag = parseReleaseTag(tag);
  if (!parsedTag.ok || !(config.tag as TagshipConfig['tag'] | undefined)?.checkVersions) return null;
  const toml = async (path: string) => {
    const text = await read(path);
    try {
      return text === null ? null : (parseToml(text) as Record<string, unknown>);
    } catch {
      return null;
    }
  };
  const published: Published = { crates: config.publish?.crates?.order ?? [], ...(config.publish?.python ? { python: config.publish.python.package } : {}) };
  const declared: DeclaredVersion[] = [];
  for (const path of manifestPaths(files)) {
    const parsed = await toml(path);
    const d = parsed && declaredIn(path, parsed, published);
    if (d) declared.push(d);
  }
  return versionDisagreement(tag, parsedTag.value.version, declared);
}

async function fromRepository(deps: SourceDeps, input: LoadProjectInput & { tag: string }, signal: AbortSignal): Promise<LoadProjectResult> {
  const t = await inspectTag(deps, input, signal).catch((err: unknown) => {
    throw err instanceof SourceProblem ? nonRetryable(err.type, err.message, err.details) : err;
  });
  const source = await contentAddressed(deps, (tmp) => deps.mirrors!.archive(input.project, t.resolved.commit, tmp), input.project);
  return {
    config: t.config,
    source,
    configDigest: digest(t.configText),
    commit: t.resolved.commit,
    ...(t.resolved.tagObject ? { tagObject: t.resolved.tagObject } : {}),
    repository: t.repository,
    ...(t.signedBy ? { signedBy: t.signedBy } : {}),
    reproducible: true,
    sourceDateEpoch: await deps.mirrors!.commitTime(input.project, t.resolved.commit),
  };
}

async function fromWorkingTree(deps: SourceDeps, input: LoadProjectInput & { projectDir: string }): Promise<LoadProjectResult> {
  const dir = resolve(input.projectDir);
  const file = join(dir, 'tagship.yml');
  const text = await readFile(file, 'utf8').catch(() => null);
  const parsed = checkProjectConfig(text, file, input.project);
  if (!parsed.ok) throw nonRetryable(FailureType.ConfigInvalid, parsed.message, parsed.errors);
  if (input.tag !== undefined) {
    const disagreement = await versionProblem(input.tag, parsed.config, (path) => readFile(join(dir, path), 'utf8').catch(() => null), await treePaths(dir, MANIFEST_DEPTH));
    if (disagreement) throw nonRetryable(FailureType.InvalidTag, disagreement);
  }
  // Sorted names, fixed owner and mtime: the same tree always gives the same tarball.
  const source = await contentAddressed(deps, async (tmp) => {
    await run('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', ...EXCLUDES.map((e) => `--exclude=./${e}`), '-C', dir, '-cf', tmp, '.']);
  }, parsed.config.project);
  return { config: parsed.config, source, configDigest: digest(text!), reproducible: false };
}

export interface LoadCommitInput {
  project: string;
  commit: string;
  /** The ref the commit was pushed to: refs/heads/<branch>, refs/pull/<n>/head, refs/merge-requests/<n>/head. */
  ref: string;
}

export interface LoadCommitResult {
  config: TagshipConfig;
  source: SourceRef;
  configDigest: string;
  repository: string;
}

/** CI's source: the commit, fetched through the ref it was pushed to (and checked to be in its
 *  history), its tagship.yml read and checked, its tree packed. */
async function fromCommit(deps: SourceDeps, input: LoadCommitInput, signal: AbortSignal): Promise<LoadCommitResult> {
  const c = await commitSource(deps, input, signal);
  if (!c.config.app) throw nonRetryable(FailureType.ConfigInvalid, `${c.where} has no app section, so there is nothing for CI to build; add app: { image, tests, … } (README, "Container apps")`);
  return { config: c.config, source: c.source, configDigest: c.configDigest, repository: c.repository };
}

/** A nightly's source: the branch head it was started for, fetched through the branch, its
 *  tagship.yml read and checked, its tree packed — reproducible like a tag's. */
async function fromBranch(deps: SourceDeps, input: { project: string; nightly: { branch: string; commit: string } }, signal: AbortSignal): Promise<LoadProjectResult> {
  const c = await commitSource(deps, { project: input.project, commit: input.nightly.commit, ref: `refs/heads/${input.nightly.branch}` }, signal);
  return { config: c.config, source: c.source, configDigest: c.configDigest, commit: input.nightly.commit, repository: c.repository, reproducible: true, sourceDateEpoch: await deps.mirrors!.commitTime(input.project, input.nightly.commit) };
}

/** A commit fetched through the ref it was pushed to (and checked to be in its history), its
 *  tagship.yml read and checked, its tree packed. */
async function commitSource(deps: SourceDeps, input: LoadCommitInput, signal: AbortSignal): Promise<{ config: TagshipConfig; source: SourceRef; configDigest: string; repository: string; where: string }> {
  // What goes into git's command line is checked first.
  requireName('project', 'project', input.project);
  requireName('commit', 'commit', input.commit);
  if (typeof input.ref !== 'string' || !CI_REF.test(input.ref) || input.ref.includes('..')) throw invalidInput('ref', `${JSON.stringify(input.ref)} is not refs/heads/<branch>, refs/pull/<n>/head or refs/merge-requests/<n>/head`);
  const { projects, mirrors } = deps;
  const entry = projects?.get(input.project);
  if (!projects || !mirrors || !entry) throw nonRetryable(FailureType.ConfigInvalid, `project ${input.project} is not in ${projects?.origin ?? 'the projects file'}; add it with its repository URL (TAGSHIP_PROJECTS names the file)`);
  const credentials = projects.credentialsOf(input.project);
  await mirrors.fetchCommit(input.project, entry.repository, input.ref, input.commit, { ...(credentials ? { credentials } : {}), signal }).catch((err: unknown) => {
    if (err instanceof CommitNotFoundError) throw nonRetryable(FailureType.CommitNotFound, `${entry.repository}: ${err.message}; push it, or name the branch it is on`);
    throw err;
  });
  const where = `tagship.yml at ${input.commit.slice(0, 12)}`;
  const text = (
    await mirrors.readFile(input.project, input.commit, 'tagship.yml').catch((err: unknown) => {
      if (err instanceof FileTooLargeError) throw nonRetryable(FailureType.ConfigInvalid, `${where}: ${err.message}; a config is a few KiB`);
      throw err;
    })
  )?.toString('utf8') ?? null;
  const parsed = checkProjectConfig(text, where, input.project);
  if (!parsed.ok) throw nonRetryable(FailureType.ConfigInvalid, parsed.message, parsed.errors);
  const source = await contentAddressed(deps, (tmp) => mirrors.archive(input.project, input.commit, tmp), input.project);
  return { config: parsed.config, source, configDigest: digest(text!), repository: entry.repository, where };
}

export function createSourceActivities(deps: SourceDeps) {
  return {
    /** What a scheduled nightly builds: the branch head now and its version (core/nightly.ts). */
    async resolveNightly(input: { project: string; branch: string }): Promise<{ commit: string; version: string }> {
      requireName('project', 'project', input.project);
      const entry = deps.projects?.get(input.project);
      if (!deps.projects || !entry) throw nonRetryable(FailureType.ConfigInvalid, `project ${input.project} is not in ${deps.projects?.origin ?? 'the projects file'}; a nightly builds a branch of its repository`);
      const credentials = deps.projects.credentialsOf(input.project);
      const commit = await lsRemoteBranch(entry.repository, input.branch, credentials).catch((err: Error) => {
        throw invalidInput('branch', err.message);
      });
      if (!commit) throw nonRetryable(FailureType.CommitNotFound, `${entry.repository} has no branch ${input.branch}`);
      return { commit, version: nightlyVersion(await lsRemoteTags(entry.repository, credentials), new Date(), commit) };
    },

    /** The commit a CI run is for; heartbeats like loadProject. */
    async loadCommit(input: LoadCommitInput): Promise<LoadCommitResult> {
      return withHeartbeat((hb) => fromCommit(deps, input, hb.signal));
    },
    /** Heartbeats throughout: a fetch or a pack can take minutes, and a dead worker must be
     *  noticed in seconds. */
    async loadProject(input: LoadProjectInput): Promise<LoadProjectResult> {
      const loaded = await withHeartbeat(async (hb) => {
        if (input.projectDir !== undefined) return fromWorkingTree(deps, { ...input, projectDir: input.projectDir });
        if (input.nightly) return fromBranch(deps, { project: input.project, nightly: input.nightly }, hb.signal);
        if (!input.tag) throw nonRetryable(FailureType.InvalidTag, 'a release from the repository needs its tag');
        return fromRepository(deps, { ...input, tag: input.tag }, hb.signal);
      });
      return { ...loaded, ...(deps.notify ? { notify: deps.notify } : {}), ...(deps.provisionDuringGate ? { provisionDuringGate: true } : {}) };
    },
  };
}
