// One bare mirror per project under the state folder: tags are fetched into it incrementally
// and the released commit is packed from it with `git archive`, so only what the commit
// tracks can ever be in a release (no untracked, ignored or dirty files).
// Two releases of one project may fetch at once: each fetch lands in a ref of its own
// (refs/tagship/fetch/<unique>), so neither can see the other's answer; objects are
// immutable and git writes them atomically.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { git, gitEnv, GitError, gitRun, type GitCredentials } from './run.ts';

export interface ResolvedTag {
  tag: string;
  /** The commit the tag names (peeled). */
  commit: string;
  /** The tag object, for an annotated tag; absent for a lightweight one. */
  tagObject?: string;
}

/** The tag is not in the repository. */
export class TagNotFoundError extends Error {
  constructor(readonly tag: string) {
    super(`the repository has no tag ${tag}`);
    this.name = 'TagNotFoundError';
  }
}

export class FileTooLargeError extends Error {
  constructor(
    readonly path: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`${path} is ${bytes} bytes; at most ${limit} are read`);
    this.name = 'FileTooLargeError';
  }
}

const SHA = /^[0-9a-f]{40}$/;

/** The refs CI fetches a commit through: a branch, a GitHub pull request's head, a GitLab merge
 *  request's head. Checked, since they are joined into a git command line. */
export const CI_REF = /^refs\/(heads\/[A-Za-z0-9._\-/]+|pull\/[0-9]+\/head|merge-requests\/[0-9]+\/head)$/;

/** The ref has no such commit in its history (or the ref does not exist). */
export class CommitNotFoundError extends Error {
  constructor(readonly commit: string, readonly ref: string, readonly refMissing: boolean) {
    super(refMissing ? `the repository has no ${ref}` : `commit ${commit} is not in the history of ${ref}`);
    this.name = 'CommitNotFoundError';
  }
}

/** Object ids only: nothing a caller passes can be read by git as an option or a rev range. */
function checkedSha(id: string): string {
  if (!SHA.test(id)) throw new Error(`not a full object id: ${JSON.stringify(id)}`);
  return id;
}

export class GitMirrors {
  constructor(readonly root: string) {}

  /** Where a project's mirror lives; project names are checked by the projects schema. */
  dirOf(project: string): string {
    return join(this.root, `${project}.git`);
  }

  private async ensure(project: string): Promise<string> {
    const dir = this.dirOf(project);
    if (await stat(join(dir, 'HEAD')).then(() => true, () => false)) return dir;
    // Made aside and renamed into place: a concurrent first fetch sees a whole mirror or none.
    await mkdir(this.root, { recursive: true });
    const tmp = `${dir}.init-${randomBytes(6).toString('hex')}`;
    try {
      await git(['init', '--bare', '--quiet', tmp]);
      // No automatic gc: a fetch must never prune what a concurrent release is packing.
      await git(['config', 'gc.auto', '0'], { cwd: tmp });
      await rename(tmp, dir).catch((err: NodeJS.ErrnoException) => {
        // Another first fetch won the race: its mirror is as good as ours.
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    return dir;
  }

  /** Fetches one tag from `url` and says what it names now. Only what is needed for that tag
   *  travels; earlier fetches make later ones incremental. */
  async fetchTag(project: string, url: string, tag: string, opts: { credentials?: GitCredentials; signal?: AbortSignal } = {}): Promise<ResolvedTag> {
    const dir = await this.ensure(project);
    const scratch = `refs/tagship/fetch/${randomBytes(8).toString('hex')}`;
    try {
      try {
        await git(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--', url, `+refs/tags/${tag}:${scratch}`], { cwd: dir, env: gitEnv(opts.credentials), ...(opts.signal ? { signal: opts.signal } : {}) });
      } catch (err) {
        if (err instanceof GitError && /couldn't find remote ref/i.test(err.stderr)) throw new TagNotFoundError(tag);
        throw err;
      }
      const object = (await git(['rev-parse', '--verify', scratch], { cwd: dir })).trim();
      const commit = (await git(['rev-parse', '--verify', `${scratch}^{commit}`], { cwd: dir })).trim();
      const type = (await git(['cat-file', '-t', object], { cwd: dir })).trim();
      // Kept under its own name, so the next fetch of this project negotiates from it.
      await git(['update-ref', `refs/tags/${tag}`, object], { cwd: dir });
      return { tag, commit, ...(type === 'tag' ? { tagObject: object } : {}) };
    } finally {
      await git(['update-ref', '-d', scratch], { cwd: dir }).catch(() => undefined);
    }
  }

  /** Fetches `ref` and checks that `commit` is in its history (a push's or a pull request's
   *  head, or an ancestor of it when the branch moved on since); the commit is then kept under
   *  refs/tagship/ci/<commit>. */
  async fetchCommit(project: string, url: string, ref: string, commit: string, opts: { credentials?: GitCredentials; signal?: AbortSignal } = {}): Promise<void> {
    if (!CI_REF.test(ref) || ref.includes('..')) throw new Error(`not a branch, pull or merge request ref: ${JSON.stringify(ref)}`);
    checkedSha(commit);
    const dir = await this.ensure(project);
    const scratch = `refs/tagship/fetch/${randomBytes(8).toString('hex')}`;
    try {
      try {
        await git(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--', url, `+${ref}:${scratch}`], { cwd: dir, env: gitEnv(opts.credentials), ...(opts.signal ? { signal: opts.signal } : {}) });
      } catch (err) {
        if (err instanceof GitError && /couldn't find remote ref/i.test(err.stderr)) throw new CommitNotFoundError(commit, ref, true);
        throw err;
      }
      const r = await gitRun(['merge-base', '--is-ancestor', commit, scratch], { cwd: dir });
      if (r.code !== 0) throw new CommitNotFoundError(commit, ref, false);
      await git(['update-ref', `refs/tagship/ci/${commit}`, commit], { cwd: dir });
    } finally {
      await git(['update-ref', '-d', scratch], { cwd: dir }).catch(() => undefined);
    }
  }

  /** A file of a commit, or null when the commit has no such file. A repository is hostile
   *  input: a file larger than `maxBytes` is a FileTooLargeError, never read into memory. */
  async readFile(project: string, commit: string, path: string, maxBytes = 1 << 20): Promise<Buffer | null> {
    const spec = `${checkedSha(commit)}:${path}`;
    const size = await gitRun(['cat-file', '-s', spec], { cwd: this.dirOf(project) });
    if (size.code !== 0) return null;
    const bytes = Number(size.stdout.toString('utf8').trim());
    if (bytes > maxBytes) throw new FileTooLargeError(path, bytes, maxBytes);
    const r = await gitRun(['cat-file', 'blob', spec], { cwd: this.dirOf(project) });
    return r.code === 0 ? r.stdout : null;
  }

  /** The paths of a commit's files (not folders), at most `maxDepth` folders down. */
  async paths(project: string, commit: string, maxDepth: number): Promise<string[]> {
    const out = await git(['ls-tree', '-r', '-z', '--name-only', checkedSha(commit)], { cwd: this.dirOf(project) });
    return out.split('\0').filter((p) => p && p.split('/').length <= maxDepth + 1);
  }

  /** The raw text of an annotated tag object (headers, message, signature). */
  async tagObjectText(project: string, tagObject: string): Promise<string> {
    return git(['cat-file', 'tag', checkedSha(tagObject)], { cwd: this.dirOf(project) });
  }

  /** `git verify-tag --raw` against the keys in `gnupgHome`: gpg's status lines (written to
   *  stderr whether or not the signature holds) and whether git accepted it. */
  async verifyTag(project: string, tagObject: string, gnupgHome: string): Promise<{ ok: boolean; status: string }> {
    const r = await gitRun(['verify-tag', '--raw', checkedSha(tagObject)], { cwd: this.dirOf(project), env: gitEnv(undefined, { GNUPGHOME: gnupgHome }) });
    return { ok: r.code === 0, status: r.stderr };
  }

  /** The commit's committer time, in seconds since the epoch: the release's SOURCE_DATE_EPOCH. */
  async commitTime(project: string, commit: string): Promise<number> {
    return Number((await git(['show', '-s', '--format=%ct', checkedSha(commit)], { cwd: this.dirOf(project) })).trim());
  }

  /** The mirror's tags (those earlier releases fetched); none when there is no mirror yet. */
  async tags(project: string): Promise<string[]> {
    const r = await gitRun(['tag', '--list'], { cwd: this.dirOf(project) }).catch(() => null);
    return r && r.code === 0 ? r.stdout.toString('utf8').split('\n').filter(Boolean) : [];
  }

  /** An annotated tag's message (without its signature); '' for a lightweight tag. */
  async tagMessage(project: string, tag: string): Promise<string> {
    const r = await gitRun(['for-each-ref', '--format=%(contents:subject)%0a%0a%(contents:body)', `refs/tags/${tag}`], { cwd: this.dirOf(project) });
    return r.code === 0 ? r.stdout.toString('utf8').trim() : '';
  }

  /** Commits reachable from `to` and not from `from` (all of them when `from` is null), newest
   *  first, at most `max`: their ids, subjects and bodies. */
  async commitsBetween(project: string, from: string | null, to: string, max: number): Promise<{ sha: string; subject: string; body: string }[]> {
    const range = from ? [`refs/tags/${from}..${checkedSha(to)}`] : [checkedSha(to)];
    const out = await git(['log', `--max-count=${max}`, '--no-merges', '--format=%H%x1f%s%x1f%b%x1e', ...range, '--'], { cwd: this.dirOf(project) });
    return out.split('\x1e').map((c) => c.trim()).filter(Boolean).map((c) => {
      const [sha = '', subject = '', body = ''] = c.split('\x1f');
      return { sha, subject, body: body.trim() };
    });
  }

  /** Packs exactly the commit's tree: the same commit always gives the same bytes. */
  async archive(project: string, commit: string, out: string): Promise<void> {
    await git(['archive', '--format=tar', `--output=${out}`, checkedSha(commit)], { cwd: this.dirOf(project) });
  }
}

/** What a tag names in the remote repository now, without fetching objects (the hook server's
 *  quick check); null when the repository has no such tag. */
export async function lsRemoteTag(url: string, tag: string, credentials?: GitCredentials): Promise<ResolvedTag | null> {
  const out = await git(['ls-remote', '--tags', '--', url, `refs/tags/${tag}`, `refs/tags/${tag}^{}`], { env: gitEnv(credentials) });
  let object: string | undefined;
  let peeled: string | undefined;
  for (const line of out.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (ref === `refs/tags/${tag}`) object = sha;
    if (ref === `refs/tags/${tag}^{}`) peeled = sha;
  }
  if (!object) return null;
  return peeled ? { tag, commit: peeled, tagObject: object } : { tag, commit: object };
}

/** The names of the remote repository's tags (a nightly's next version comes from them). */
export async function lsRemoteTags(url: string, credentials?: GitCredentials): Promise<string[]> {
  const out = await git(['ls-remote', '--tags', '--refs', '--', url], { env: gitEnv(credentials) });
  return out.split('\n').map((l) => l.split('\t')[1] ?? '').filter((r) => r.startsWith('refs/tags/')).map((r) => r.slice('refs/tags/'.length));
}

/** What a branch names in the remote repository now, or null (the CLI's `ci run <branch>`). */
export async function lsRemoteBranch(url: string, branch: string, credentials?: GitCredentials): Promise<string | null> {
  const ref = `refs/heads/${branch}`;
  if (!CI_REF.test(ref) || ref.includes('..')) throw new Error(`not a branch name: ${JSON.stringify(branch)}`);
  const out = await git(['ls-remote', '--heads', '--', url, ref], { env: gitEnv(credentials) });
  const line = out.split('\n').find((l) => l.split('\t')[1] === ref);
  return line ? line.split('\t')[0]! : null;
}
