// Cross-field rules over a config that already has the right shape. Each rule is small and
// named, and returns the errors it finds with their field paths.
import type { ConfigError } from './parse.ts';
import type { TagshipConfig } from './schema.ts';
import { appProblems } from './app.ts';
import { signingKeyProblem } from './signing-key.ts';
import { projectVariableProblem } from './project-env.ts';

type Rule = (c: TagshipConfig) => ConfigError[];

const uniqueTargetNames: Rule = (c) => {
  const seen = new Map<string, number>();
  const errors: ConfigError[] = [];
  c.targets.forEach((t, i) => {
    const first = seen.get(t.name);
    if (first !== undefined) {
      errors.push({ path: `targets[${i}].name`, message: `"${t.name}" is already the name of targets[${first}]; target names must be unique` });
    } else seen.set(t.name, i);
  });
  return errors;
};

/** Every signing key tagship.yml names is the project's own (core/config/signing-key.ts). */
const signingKeysOwn: Rule = (c) => {
  const keys = [
    ['repositories.deb.signingKey', c.repositories?.deb?.signingKey],
    ['repositories.rpm.signingKey', c.repositories?.rpm?.signingKey],
    ['checksums.signingKey', c.checksums?.signingKey],
  ] as const;
  return keys.flatMap(([path, key]) => {
    const problem = key ? signingKeyProblem(c.project, key) : null;
    return problem ? [{ path, message: problem }] : [];
  });
};

/** The forge token is the project's own, like its keys. */
const forgeTokenOwn: Rule = (c) => {
  const problem = c.forge ? projectVariableProblem(c.project, c.forge.token, 'GITHUB_TOKEN') : null;
  return problem ? [{ path: 'forge.token', message: problem }] : [];
};

const suitesDiffer: Rule = (c) => {
  const deb = c.repositories?.deb;
  return deb && deb.stableSuite === deb.prereleaseSuite
    ? [{ path: 'repositories.deb.prereleaseSuite', message: `must differ from stableSuite ("${deb.stableSuite}") so prereleases never reach stable users` }]
    : [];
};

/** Whether a target may build packages of `kind`: its os says so, or an artifact glob is of
 *  that kind (declared, or ending in .deb / .rpm). */
const builds = (t: TagshipConfig['targets'][number], kind: 'deb' | 'rpm') => t.os === kind || t.artifacts.some((a) => a.kind === kind || (a.kind === undefined && a.path.endsWith(`.${kind}`)));

const repositoriesHaveTargets: Rule = (c) =>
  (['deb', 'rpm'] as const)
    .filter((kind) => c.repositories?.[kind] && !c.targets.some((t) => builds(t, kind)))
    .map((kind) => ({ path: `repositories.${kind}`, message: `is configured but no target builds a .${kind} (os: ${kind}, an artifact glob ending in .${kind}, or one declared kind: ${kind}); add such a target or remove repositories.${kind}` }));

export const rules: Rule[] = [uniqueTargetNames, signingKeysOwn, forgeTokenOwn, suitesDiffer, repositoriesHaveTargets, (c) => appProblems(c.app)];

/** What a project must declare, checked on the document as written so that it is reported with
 *  every other error at once (the schema cannot: which parts are required depends on `app`).
 *  A project releases packages (targets and their test gate), a container app, or both. */
export function presenceProblems(doc: Record<string, unknown>): ConfigError[] {
  const hasApp = doc.app !== undefined && doc.app !== null;
  const hasTargets = Array.isArray(doc.targets) && doc.targets.length > 0;
  const errors: ConfigError[] = [];
  if (!hasApp && !hasTargets) errors.push({ path: 'targets', message: 'needs at least one target (or an app section for a container app)' });
  if ((doc.testGate === undefined || doc.testGate === null) && (!hasApp || hasTargets)) {
    errors.push({ path: 'testGate', message: hasApp ? 'is required when targets are declared: the tests that must pass before anything is built' : 'is required: the tests that must pass before anything is built, e.g. testGate: { command: "make test" }' });
  }
  return errors;
}
