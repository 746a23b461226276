// Throwaway git repositories for tests: a working clone that commits and tags, and the bare
// repository a git server serves, pushed to as a developer would.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';

export interface TestRepo {
  /** A working clone. */
  work: string;
  /** The bare repository, as served: <root>/<name>.git. */
  bare: string;
  git(...args: string[]): string;
  /** Writes files and commits them; returns the commit id. */
  commit(files: Record<string, string>, message?: string): string;
  /** Tags HEAD (or `at`) and pushes the tag (forced, so a tag can be moved); returns the tag's object id. */
  tag(name: string, opts?: { at?: string; annotated?: boolean; signWith?: { keyFile: string; fingerprint: string } }): string;
}

const ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'tagship test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'tagship test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
};

/** A bare repository <root>/<name>.git and a working clone whose first commit holds `files`. */
export function makeRepo(root: string, name: string, files: Record<string, string>): TestRepo {
  const bare = join(root, `${name}.git`);
  const work = mkdtempSync(join(tmpdir(), `tagship-work-${name}-`));
  let tick = 0;
  const run = (cwd: string, args: string[], env: Record<string, string> = {}) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  mkdirSync(root, { recursive: true });
  run(root, ['init', '--quiet', '--bare', bare]);
  run(work, ['init', '--quiet', '-b', 'main']);
  const repo: TestRepo = {
    work,
    bare,
    git: (...args) => run(work, args),
    commit(more, message = 'change') {
      for (const [f, content] of Object.entries(more)) {
        mkdirSync(dirname(join(work, f)), { recursive: true });
        writeFileSync(join(work, f), content);
      }
      run(work, ['add', '-A']);
      // Fixed, increasing dates: the same content gives the same commits on every run.
      const date = `${1_700_000_000 + tick++ * 60} +0000`;
      run(work, ['commit', '--quiet', '-m', message], { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
      run(work, ['push', '--quiet', bare, 'HEAD:refs/heads/main']);
      return run(work, ['rev-parse', 'HEAD']);
    },
    tag(tagName, opts = {}) {
      const at = opts.at ?? 'HEAD';
      if (opts.signWith) {
        const home = mkdtempSync(join(tmpdir(), 'tagship-gnupg-sign-'));
        try {
          execFileSync('gpg', ['--homedir', home, '--batch', '--import', opts.signWith.keyFile], { stdio: 'ignore' });
          run(work, ['-c', `user.signingkey=${opts.signWith.fingerprint}`, 'tag', '--force', '-s', '-m', `release ${tagName}`, tagName, at], { GNUPGHOME: home });
        } finally {
          rmSync(home, { recursive: true, force: true });
        }
      } else if (opts.annotated) {
        run(work, ['tag', '--force', '-a', '-m', `release ${tagName}`, tagName, at]);
      } else {
        run(work, ['tag', '--force', tagName, at]);
      }
      run(work, ['push', '--quiet', '--force', bare, `refs/tags/${tagName}`]);
      return run(work, ['rev-parse', `refs/tags/${tagName}`]);
    },
  };
  if (Object.keys(files).length) repo.commit(files, 'initial');
  return repo;
}
