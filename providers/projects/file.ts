// Reads projects.yml and resolves what it names from an environment: the one place the hook
// secrets, git tokens and allowed tag keys of each project are looked up.
import { readFileSync } from 'node:fs';
import { missingEnv, parseProjects, type ProjectEntry } from '../../core/projects.ts';
import type { GitCredentials } from '../git/run.ts';

export class ProjectsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectsFileError';
  }
}

export interface Needs {
  /** The hook server: every project's hook secret must be set. */
  secret?: boolean;
  /** The worker, and a CLI that checks tags: every git token must be set. */
  credentials?: boolean;
}

export class Projects {
  constructor(
    readonly entries: Record<string, ProjectEntry>,
    private readonly env: Record<string, string | undefined>,
    /** Where they were read from, for messages. */
    readonly origin = 'projects.yml',
  ) {}

  names(): string[] {
    return Object.keys(this.entries);
  }

  get(name: string): ProjectEntry | undefined {
    return Object.hasOwn(this.entries, name) ? this.entries[name] : undefined;
  }

  secretOf(name: string): string | undefined {
    const e = this.get(name);
    return e?.secretEnv ? this.env[e.secretEnv] : undefined;
  }

  credentialsOf(name: string): GitCredentials | undefined {
    const c = this.get(name)?.credentials;
    if (!c) return undefined;
    const password = this.env[c.tokenEnv];
    if (!password) return undefined;
    return { username: (c.usernameEnv ? this.env[c.usernameEnv] : c.username) ?? 'tagship', password };
  }

  /** The allowed public key files of a project that requires signed tags (env:NAME resolved). */
  tagKeysOf(name: string): string[] | undefined {
    return this.get(name)?.requireSignedTags?.publicKeys.map((k) => (k.startsWith('env:') ? (this.env[k.slice(4)] ?? k) : k));
  }
}

/** Parses projects.yml text and checks the environment has what `needs` asks; throws a
 *  ProjectsFileError naming every field to fix. */
export function projectsFrom(text: string, origin: string, env: Record<string, string | undefined>, needs: Needs = {}): Projects {
  const parsed = parseProjects(text);
  const errors = parsed.ok ? Object.entries(parsed.projects).flatMap(([n, p]) => missingEnv(n, p, env, needs)) : parsed.errors;
  if (!parsed.ok || errors.length) throw new ProjectsFileError([`${origin} has ${errors.length} error(s):`, ...errors.map((e) => `  ${e.path}: ${e.message}`)].join('\n'));
  return new Projects(parsed.projects, env, origin);
}

export function readProjectsFile(file: string, env: Record<string, string | undefined>, needs: Needs = {}): Projects {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ProjectsFileError(`${file} could not be read; point TAGSHIP_PROJECTS (or --projects) at the projects file`);
  }
  return projectsFrom(text, file, env, needs);
}
