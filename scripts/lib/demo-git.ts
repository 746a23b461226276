// The demo's forge: a throwaway git repository of an example (its committed files only), served
// on loopback by git's own http-backend; a release's tag is signed with a maintainer key and
// pushed over HTTP, as a maintainer would push it; CI's commit is pushed to main. Commit dates are fixed, so the same
// example always makes the same commit (and a warm mirror fetches almost nothing).
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { REPO_ROOT } from '../../providers/paths.ts';
import { startGitServer, type GitServer } from '../../embedded/git-http.ts';

export interface DemoRepo {
  server: GitServer;
  url: string;
  commit: string;
  /** The maintainer's public key, which projects.yml requires the tag to be signed with. */
  publicKey: string;
}

const run = promisify(execFile);

const ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Demo Maintainer',
  GIT_AUTHOR_EMAIL: 'maintainer@example.invalid',
  GIT_COMMITTER_NAME: 'Demo Maintainer',
  GIT_COMMITTER_EMAIL: 'maintainer@example.invalid',
  GIT_AUTHOR_DATE: '1764028800 +0000',
  GIT_COMMITTER_DATE: '1764028800 +0000',
};

type Git = (cwd: string, args: string[], env?: Record<string, string>) => Promise<string>;

/** The example's committed files as one commit in a fresh working clone, and a served bare
 *  repository to push to. */
async function exampleRepo(stateDir: string, project: string, date?: string): Promise<{ server: GitServer; url: string; work: string; root: string; git: Git }> {
  const root = join(stateDir, 'demo-git');
  rmSync(root, { recursive: true, force: true });
  const repos = join(root, 'repos');
  const work = join(root, 'work');
  const bare = join(repos, `${project}.git`);
  mkdirSync(work, { recursive: true });
  // Asynchronous: the git server answering the push lives in this process.
  const git: Git = async (cwd, args, env = {}) => (await run('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...ENV, ...env } })).stdout.trim();

  await git(root, ['init', '--quiet', '--bare', bare]);
  // Pushes over HTTP are the demo maintainer's; http-backend takes them when told to.
  await git(bare, ['config', 'http.receivepack', 'true']);
  const server = await startGitServer({ root: repos });
  const url = `${server.url}/${project}.git`;

  const example = `examples/${project}/`;
  for (const file of (await git(REPO_ROOT, ['ls-files', '--', example])).split('\n').filter(Boolean)) {
    const to = join(work, file.slice(example.length));
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(join(REPO_ROOT, file), to); // keeps the mode: scripts stay executable
  }
  await git(work, ['init', '--quiet', '-b', 'main']);
  await git(work, ['add', '-A']);
  await git(work, ['commit', '--quiet', '-m', `${project}: the example tagship releases`], date ? { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : {});
  return { server, url, work, root, git };
}

/** The example pushed to main, as a developer's push that starts CI. Committed at `date` (git's
 *  "<seconds> +0000"): a new date is a new commit, so each demo run has a CI run of its own. */
export async function pushExampleToMain(stateDir: string, project: string, date: string): Promise<Omit<DemoRepo, 'publicKey'> & { tag(name: string): Promise<void> }> {
  const { server, url, work, git } = await exampleRepo(stateDir, project, date);
  await git(work, ['push', '--quiet', url, 'main']);
  return {
    server,
    url,
    commit: await git(work, ['rev-parse', 'HEAD']),
    /** Tags the pushed commit (annotated) and pushes the tag, as a maintainer releasing it would. */
    async tag(name: string) {
      await git(work, ['tag', '-a', '-m', `${project} ${name}`, name]);
      await git(work, ['push', '--quiet', url, `refs/tags/${name}`]);
    },
  };
}

export async function publishDemoRepo(stateDir: string, project: string, tag: string, maintainerKey: string): Promise<DemoRepo> {
  const { server, url, work, root, git } = await exampleRepo(stateDir, project);
  const home = mkdtempSync(join(tmpdir(), 'tagship-demo-tag-'));
  try {
    execFileSync('gpg', ['--homedir', home, '--batch', '--import', maintainerKey], { stdio: 'ignore' });
    const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(execFileSync('gpg', ['--homedir', home, '--with-colons', '--list-secret-keys'], { encoding: 'utf8' }))![1]!;
    await git(work, ['-c', `user.signingkey=${fpr}`, 'tag', '-s', '-m', `${project} ${tag}`, tag], { GNUPGHOME: home });
    const publicKey = join(root, 'maintainer.asc');
    execFileSync('gpg', ['--homedir', home, '--armor', '--export', '-o', publicKey, fpr], { stdio: 'ignore' });
    await git(work, ['push', '--quiet', url, 'main', `refs/tags/${tag}`]);
    return { server, url, commit: await git(work, ['rev-parse', 'HEAD']), publicKey };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
