// Running git for tagship: an environment of its own (no system or user config, no prompts),
// and credentials handed to git through its own credential-helper mechanism. The secret sits
// only in the git process's environment: never in an argument list (world-readable in
// /proc/<pid>/cmdline), never in a URL, never in a file.
import { spawn } from 'node:child_process';

/** Credentials for a private repository, as the worker's environment holds them. */
export interface GitCredentials {
  username: string;
  password: string;
}

export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number,
    readonly stderr: string,
  ) {
    super(`git ${args[0] ?? ''} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' / ') || 'no output'}`);
    this.name = 'GitError';
  }
}

// The helper answers `get` from two environment variables; the shell expands them, so the
// helper's own argument list holds only their names.
const HELPER = '!f() { test "$1" = get && printf "username=%s\\npassword=%s\\n" "$TAGSHIP_GIT_USERNAME" "$TAGSHIP_GIT_PASSWORD"; }; f';

export function gitEnv(credentials?: GitCredentials, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: '/nonexistent',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    // Plain transports only: no ext:: or fd:: helpers that run commands named by a URL.
    GIT_ALLOW_PROTOCOL: 'http:https:git:ssh:file',
    LC_ALL: 'C',
    ...extra,
  };
  if (credentials) {
    Object.assign(env, {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'credential.helper',
      GIT_CONFIG_VALUE_0: HELPER,
      TAGSHIP_GIT_USERNAME: credentials.username,
      TAGSHIP_GIT_PASSWORD: credentials.password,
    });
  }
  return env;
}

export interface GitRunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface GitOutcome {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs git and reports how it ended; never rejects for a non-zero exit. */
export function gitRun(args: string[], opts: GitRunOptions = {}): Promise<GitOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: opts.cwd, env: opts.env ?? gitEnv(), stdio: ['ignore', 'pipe', 'pipe'], ...(opts.signal ? { signal: opts.signal } : {}) });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-8192)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: err }));
  });
}

/** Runs git; resolves with stdout as text, rejects with GitError (stderr attached). */
export async function git(args: string[], opts: GitRunOptions = {}): Promise<string> {
  const r = await gitRun(args, opts);
  if (r.code !== 0) throw new GitError(args, r.code, r.stderr);
  return r.stdout.toString('utf8');
}
