// The container-app part of tagship.yml (Velocitas' model): an OCI image built for each
// platform from the commit's Dockerfile, unit tests with a coverage floor, a vulnerability
// scan with a severity threshold and an allowlist that expires, integration tests against
// service containers, and how long the commit's QA record is kept. Shapes only; cross-field
// rules are at the end and run with the others (rules.ts).
import { z } from 'zod';
import { environment, image, projectPath } from './environment.ts';
import { DEFAULT_RETENTION_DAYS } from '../retention.ts';
import { MACHINE_ARCHES } from './arches.ts';
import { SEVERITIES } from '../qa/severity.ts';
import type { ConfigError } from './parse.ts';

/** An OCI repository name (the distribution spec's rule): lowercase components separated by
 *  "/", each made of [a-z0-9] runs joined by ".", "_", "__" or "-". No registry host or tag:
 *  where the image goes is the worker's setting, and tags are the commit's and the version's. */
export const imageName = z
  .string()
  .max(200)
  .regex(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, 'must be an image repository name such as "hello-vehicle-app" or "velocitas/seat-adjuster": lowercase letters, digits and . _ - separators, no registry host and no tag');

/** A file inside the project. */
const projectFile = projectPath;

const command = z.string().trim().min(1, 'must not be empty');

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'must be a real calendar date');

const allowEntry = z.strictObject({
  /** The advisory: CVE-…, GHSA-…, DSA-…. */
  id: z.string().regex(/^[A-Z][A-Z0-9]*-[A-Za-z0-9:._-]+$/, 'must be an advisory id such as CVE-2024-1234 or GHSA-xxxx-xxxx-xxxx'),
  /** Limits the entry to one package; all packages with this advisory otherwise. */
  package: z.string().min(1).optional(),
  /** The last day the entry holds; from the next day the finding fails the scan again. */
  until: isoDate,
  reason: z.string().trim().min(1, 'say why the finding is accepted'),
});

const hostName = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a host name: lowercase letters, digits and "-", starting with a letter');
const envVars = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name'), z.string());

const service = z.strictObject({
  /** Its host name on the private network the integration tests run in. */
  name: hostName,
  /** More names it answers to there (the ones the app's SDK expects, e.g. `databroker`). */
  aliases: z.array(hostName).optional(),
  /** A locally built image (nothing can be pulled here): tagship's, one the bootstrap made, or
   *  one built from the commit — `{ dockerfile }` (e.g. a data broker built from source) or
   *  `{ steps }` — as build environments are, once per content. */
  image: z.union([
    z.string().regex(/^tagship\/[a-z0-9][a-z0-9._-]*(?::[A-Za-z0-9._-]+)?$/, 'must be one of tagship\'s local base images, such as tagship/mosquitto:bookworm (other images on the engine are other projects\'), or built from the commit: { dockerfile: path/to/Dockerfile }'),
    environment,
  ]),
  command: z.array(z.string()).optional(),
  env: envVars.optional(),
});

export const appSchema = z.strictObject({
  image: imageName,
  dockerfile: projectFile.default('Dockerfile'),
  /** The build context, a folder of the project. */
  context: projectFile.default('.'),
  platforms: z.array(z.enum(MACHINE_ARCHES)).min(1, 'needs at least one platform').default(['amd64', 'arm64']),
  /** Outbound network for the image build's RUN lines (pip install and the like); never the control plane. */
  network: z.boolean().default(false),
  tests: z.strictObject({
    command,
    /** The test-runner image: tagship's machine image by default, or one the app defines —
     *  `{ dockerfile }` in the commit or `{ steps }` — with its test requirements installed. */
    image: image.optional(),
    /** Outbound network for the tests, through the egress proxy. */
    network: z.boolean().optional(),
    junit: projectFile,
    coverage: z.strictObject({
      /** A Cobertura XML report or an LCOV tracefile (Node's test runner, c8, Istanbul). */
      report: projectFile,
      /** Line coverage in percent the tests must reach. */
      minimum: z.number().min(0).max(100),
      /** Branch coverage in percent the tests must reach (the report must measure branches). */
      branchMinimum: z.number().min(0).max(100).optional(),
    }),
    timeoutMinutes: z.number().int().positive().max(24 * 60).default(30),
  }),
  /** A lint gate (pre-commit, flake8, mypy, …), run in the tests' image before the tests. */
  lint: z
    .strictObject({
      command,
      timeoutMinutes: z.number().int().positive().max(24 * 60).default(15),
    })
    .optional(),
  scan: z
    .strictObject({
      /** Findings of this severity or higher fail the CI unless allowlisted. */
      failOn: z.enum(SEVERITIES).default('high'),
      allow: z.array(allowEntry).default([]),
    })
    .default({ failOn: 'high', allow: [] }),
  integration: z
    .strictObject({
      services: z.array(service).default([]),
      /** The app container's environment (where its services are, log levels, …). */
      env: envVars.optional(),
      command,
      timeoutMinutes: z.number().int().positive().max(24 * 60).default(30),
    })
    .optional(),
  /** The app's Helm chart, released with each version (version, appVersion and the image digest set). */
  chart: z.strictObject({ path: projectFile.default('chart') }).optional(),
  /** Eclipse Velocitas' deployment files, signed and deployed beside the QA report: the app's
   *  AppManifest and the desired-state manifest of the released image (pipes/velocitas). */
  velocitas: z.strictObject({ appManifest: projectFile.default('app/AppManifest.json') }).optional(),
  qa: z.strictObject({ retentionDays: z.number().int().positive().default(DEFAULT_RETENTION_DAYS) }).default({ retentionDays: DEFAULT_RETENTION_DAYS }),
});

/** Which pushes start CI: the listed branches (default: main); merge and pull requests always. */
export const ciSchema = z.strictObject({
  branches: z.array(z.string().regex(/^[A-Za-z0-9._\-/*]+$/, 'must be a branch name or a glob such as release/*')).min(1).default(['main']),
});

export type AppConfig = z.output<typeof appSchema>;

/** Cross-field rules of the app section, by field path. */
export function appProblems(app: AppConfig | undefined): ConfigError[] {
  if (!app) return [];
  const errors: ConfigError[] = [];
  app.platforms.forEach((p, i) => {
    if (app.platforms.indexOf(p) !== i) errors.push({ path: `app.platforms[${i}]`, message: `"${p}" is listed twice` });
  });
  const services = app.integration?.services ?? [];
  services.forEach((s, i) => {
    const first = services.findIndex((o) => o.name === s.name);
    if (first !== i) errors.push({ path: `app.integration.services[${i}].name`, message: `"${s.name}" is already the name of app.integration.services[${first}]; service names must be unique` });
  });
  // Every name on the network names one container: the app, the runner, each service and alias.
  const taken = new Map<string, string>([['app', 'the app'], ['runner', 'the test runner']]);
  services.forEach((s, i) => {
    for (const [j, alias] of (s.aliases ?? []).entries()) {
      const owner = taken.get(alias) ?? services.find((o, k) => k !== i && o.name === alias)?.name;
      if (owner || alias === s.name) errors.push({ path: `app.integration.services[${i}].aliases[${j}]`, message: `"${alias}" already names ${owner ?? 'this service'} on the integration network` });
      else taken.set(alias, s.name);
    }
  });
  const ids = app.scan.allow.map((a) => `${a.id} ${a.package ?? '*'}`);
  ids.forEach((id, i) => {
    if (ids.indexOf(id) !== i) errors.push({ path: `app.scan.allow[${i}]`, message: `${id.replace(' *', '')} is allowlisted twice; keep one entry` });
  });
  return errors;
}
