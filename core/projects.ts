// projects.yml: the operator's list of the projects tagship releases — where each one's
// repository is, which environment variables hold its hook secret and its git credentials,
// and whether its tags must be signed. Secrets are never in this file, only the names of the
// variables that hold them. Pure: parsing and the rules; the worker, the hook server and the
// CLI read the file and resolve the variables.
import { z } from 'zod';
import { fromIssue, parseYamlDocument, type ConfigError } from './config/parse.ts';

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'must be an environment variable name (A-Z, 0-9, _), e.g. HELLO_VEILID_HOOK_SECRET');

/** Where the repository is. Credentials never go into the URL: it is recorded in histories. */
const repositoryUrl = z
  .string()
  .min(1, 'must not be empty')
  .refine((u) => /^(https?|git|ssh|file):\/\//.test(u), 'must be an http(s)://, git://, ssh:// or file:// URL of the git repository')
  .refine((u) => {
    try {
      const url = new URL(u);
      return !url.password && !(url.username && url.protocol.startsWith('http'));
    } catch {
      return false;
    }
  }, 'must be a URL without a user name or password in it; put the token in an environment variable named by credentials.tokenEnv')
  .refine((u) => !/[\s\0]/.test(u), 'must not contain white space');

const project = z.strictObject({
  repository: repositoryUrl,
  /** The hook secret (GitLab token, GitHub webhook secret). */
  secretEnv: envName.optional(),
  /** For a private repository over http(s): a user name and a token (or password), each from
   *  the environment. GitLab takes any user name with a token; GitHub takes x-access-token. */
  credentials: z
    .strictObject({
      usernameEnv: envName.optional(),
      username: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"').optional(),
      tokenEnv: envName,
    })
    .optional(),
  /** Every release tag must be an annotated tag signed by one of these public keys (files on
   *  the worker, or env:NAME for a file named by a variable). */
  requireSignedTags: z.strictObject({ publicKeys: z.array(z.string().min(1)).min(1, 'needs at least one public key file') }).optional(),
  /** A nightly of this branch every day at this hour (UTC), from `tagship schedules apply`. */
  nightly: z
    .strictObject({
      branch: z.string().regex(/^[A-Za-z0-9._\-/]+$/, 'must be a branch name, e.g. main').refine((b) => !b.includes('..'), 'must not contain ".."').default('main'),
      hour: z.number().int().min(0, 'must be an hour 0-23 (UTC)').max(23, 'must be an hour 0-23 (UTC)').default(2),
    })
    .optional(),
});

export type ProjectEntry = z.infer<typeof project>;

const projectName = /^[a-z0-9][a-z0-9-]{0,62}$/;

const schema = z.strictObject({ projects: z.record(z.string(), project) });

export type ProjectsResult = { ok: true; projects: Record<string, ProjectEntry> } | { ok: false; errors: ConfigError[] };

export function parseProjects(text: string): ProjectsResult {
  const yaml = parseYamlDocument(text);
  if (!yaml.ok) return yaml;
  const r = schema.safeParse(yaml.doc);
  if (!r.success) return { ok: false, errors: r.error.issues.map(fromIssue) };
  const errors: ConfigError[] = [];
  for (const [name, p] of Object.entries(r.data.projects)) {
    if (!projectName.test(name)) errors.push({ path: `projects.${name}`, message: 'a project name must be 1-63 lowercase letters, digits or "-" (the name in its tagship.yml)' });
    if (p.credentials?.username && p.credentials.usernameEnv) errors.push({ path: `projects.${name}.credentials`, message: 'give username or usernameEnv, not both' });
    if (p.credentials && !p.repository.startsWith('http')) errors.push({ path: `projects.${name}.credentials`, message: 'credentials are for http(s) repositories; ssh uses the worker\'s own keys' });
  }
  if (!Object.keys(r.data.projects).length) errors.push({ path: 'projects', message: 'names no project; add one with its repository URL' });
  return errors.length ? { ok: false, errors } : { ok: true, projects: r.data.projects };
}

/** The variables a project needs set, for the process that needs them: the hook server
 *  needs the hook secret, the worker (and a CLI that checks tags) the git token. */
export function missingEnv(name: string, p: ProjectEntry, env: Record<string, string | undefined>, needs: { secret?: boolean; credentials?: boolean }): ConfigError[] {
  const errors: ConfigError[] = [];
  if (needs.secret && !p.secretEnv) errors.push({ path: `projects.${name}.secretEnv`, message: 'is required to serve hooks: name the environment variable that holds the hook secret' });
  if (needs.secret && p.secretEnv && !env[p.secretEnv]) errors.push({ path: `projects.${name}.secretEnv`, message: `names ${p.secretEnv}, which is not set in this environment` });
  if (needs.credentials && p.credentials) {
    if (!env[p.credentials.tokenEnv]) errors.push({ path: `projects.${name}.credentials.tokenEnv`, message: `names ${p.credentials.tokenEnv}, which is not set in this environment` });
    if (p.credentials.usernameEnv && !env[p.credentials.usernameEnv]) errors.push({ path: `projects.${name}.credentials.usernameEnv`, message: `names ${p.credentials.usernameEnv}, which is not set in this environment` });
  }
  return errors;
}
