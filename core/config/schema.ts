// The schema of tagship.yml, the one file a released project declares its release in.
// Shapes only; cross-field rules live in rules.ts, defaults are filled in by the schema.
import { z } from 'zod';
import { DEFAULT_RETENTION_DAYS } from '../retention.ts';
import { DEFAULT_LIMITS } from '../limits.ts';

import { MACHINE_ARCHES } from './arches.ts';
import { BUILD_KINDS } from '../artifact-kinds.ts';
import { signingKey } from './signing-key.ts';
import { TAG_PREFIXES } from '../tag.ts';
import { checksumsConfig } from '../../pipes/checksums/config.ts';
import { forgeConfig } from '../../pipes/forge/config.ts';
import { appSchema, ciSchema } from './app.ts';
import { image } from './environment.ts';

export { MACHINE_ARCHES, type MachineArch } from './arches.ts';

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 lowercase letters, digits or "-", starting with a letter or digit');

/** A path or glob inside the project: relative, no "..", no shell metacharacters. */
const relativeGlob = z
  .string()
  .min(1, 'must not be empty')
  .regex(/^[A-Za-z0-9_.*?\-/[\]]+$/, 'may hold only letters, digits and _ . - / * ? [ ]')
  .refine((p) => !p.startsWith('/'), 'must be relative to the project root, not absolute')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".."');

/** The size a target gets when tagship.yml names none: each provider reads it as its own
 *  default (droplets: TAGSHIP_DO_SIZE). */
export const DEFAULT_MACHINE_SIZE = 'small';

const command = z.string().trim().min(1, 'must not be empty');

const machine = z.strictObject({
  /** The arch of the machine the build runs on. Cross-builds run on amd64, as Veilid does. */
  arch: z.enum(MACHINE_ARCHES).default('amd64'),
  /** A provider size name (a DigitalOcean size slug in production; informational for docker).
   *  Unset (DEFAULT_MACHINE_SIZE): the provider's default size. */
  size: z.string().min(1).default(DEFAULT_MACHINE_SIZE),
  /** The machine image; defaults to tagship's Debian bookworm image for the arch. With
   *  `{ dockerfile }`, the builds run inside the environment that Dockerfile builds. */
  image: image.optional(),
});

const target = z.strictObject({
  name: slug,
  /** The package arch this target produces. */
  arch: z.enum(['amd64', 'arm64', 'all']),
  /** The package family this target produces. Its artifacts join repositories by their kind
   *  (a target may build both a .deb and an .rpm). */
  os: z.enum(['deb', 'rpm', 'generic']),
  machine: machine.default({ arch: 'amd64', size: DEFAULT_MACHINE_SIZE }),
  build: z.array(command).min(1, 'needs at least one build command'),
  /** Globs of the files the build leaves; `{ path, kind }` says what they are (deb, rpm,
   *  crate, wheel, sdist, archive, …), a plain glob leaves it to the file names. */
  artifacts: z
    .array(z.union([relativeGlob, z.strictObject({ path: relativeGlob, kind: z.enum(BUILD_KINDS, { error: () => `must be one of ${BUILD_KINDS.join(', ')}` }) })]))
    .min(1, 'needs at least one artifact glob')
    .transform((specs) => specs.map((s): { path: string; kind?: (typeof BUILD_KINDS)[number] } => (typeof s === 'string' ? { path: s } : s))),
  timeoutMinutes: z.number().int().positive().max(24 * 60).default(60),
  /** Outbound network for the build (to fetch dependencies). Without it a build has no network
   *  at all; with it, still no way to the orchestrator, Temporal or the gateway. */
  network: z.boolean().optional(),
});

const testGate = z.strictObject({
  command,
  /** tagship's machine image by default; `{ dockerfile }` builds the tests' environment. */
  image: image.optional(),
  /** Outbound network for the tests (to fetch dependencies), through the egress proxy. */
  network: z.boolean().optional(),
  timeoutMinutes: z.number().int().positive().max(24 * 60).default(30),
  /** Create the targets' machines while the tests run (builds still wait for them to pass; a
   *  failure deletes the machines at once). The worker's default when unset: on for docker
   *  machines, off for droplets, which bill from their first second. */
  provisionDuringGate: z.boolean().optional(),
});

const publish = z.strictObject({
  /** Crates are published in the order given; a crate's dependencies come first. */
  crates: z.strictObject({ registry: z.string().min(1), order: z.array(z.string().min(1)).min(1) }).optional(),
  python: z.strictObject({ repository: z.string().min(1), package: z.string().min(1) }).optional(),
});


const repositories = z.strictObject({
  deb: z
    .strictObject({
      component: slug.default('main'),
      stableSuite: slug.default('stable'),
      prereleaseSuite: slug.default('testing'),
      /** Where `tagship release nightly` builds go (keepVersions of them are kept). */
      nightlySuite: slug.default('nightly'),
      keepVersions: z.number().int().positive().default(5),
      signingKey,
    })
    .optional(),
  rpm: z
    .strictObject({
      keepVersions: z.number().int().positive().default(5),
      signingKey,
      /** Where clients reach the rpm tree (the repo server URL + /<project>/rpm); goes into the .repo file. */
      baseUrl: z.string().regex(/^https?:\/\/[^\s'"]+$/, 'must be an http(s) URL, e.g. https://packages.example.com/hello-veilid/rpm'),
    })
    .optional(),
});

const limits = z.strictObject({
  /** All artifacts of one target, by apparent size (a sparse file counts whole). */
  targetMiB: z.number().int().positive().max(1 << 20).default(DEFAULT_LIMITS.targetMiB),
  /** All artifacts of the release together. */
  releaseMiB: z.number().int().positive().max(1 << 22).default(DEFAULT_LIMITS.releaseMiB),
  /** Files one target's artifact globs may match. */
  filesPerTarget: z.number().int().positive().max(100_000).default(DEFAULT_LIMITS.filesPerTarget),
});

export const configSchema = z.strictObject({
  project: slug,
  /** What the project's release tags start with: "v" (v1.4.0, the default) or "" (1.4.0). */
  tag: z
    .strictObject({
      prefix: z.enum(TAG_PREFIXES, { error: () => 'must be "v" (tags like v1.4.0) or "" (tags like 1.4.0)' }).default('v'),
      /** Refuse a tag whose version the root Cargo.toml or pyproject.toml contradicts. */
      checkVersions: z.boolean().default(true),
    })
    .default({ prefix: 'v', checkVersions: true }),
  /** Required for package releases; a container app alone has its tests in app.tests. */
  testGate: testGate.optional(),
  targets: z.array(target).default([]),
  publish: publish.optional(),
  repositories: repositories.optional(),
  checksums: checksumsConfig.optional(),
  /** The tag's release on the project's forge (GitHub's releases API), with notes and assets. */
  forge: forgeConfig.optional(),
  /** A container app: its image, tests, scan and QA record (CI per commit). */
  app: appSchema.optional(),
  ci: ciSchema.default({ branches: ['main'] }),
  limits: limits.default(DEFAULT_LIMITS),
  retention: z.strictObject({ days: z.number().int().positive().default(DEFAULT_RETENTION_DAYS) }).default({ days: DEFAULT_RETENTION_DAYS }),
  /** Price per hour by machine size (e.g. DigitalOcean's), for the cost estimate in results. */
  cost: z.strictObject({ currency: z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter currency code, e.g. USD'), hourly: z.record(z.string().min(1), z.number().nonnegative()) }).optional(),
});

export type TagshipConfig = z.output<typeof configSchema>;
export type TargetConfig = TagshipConfig['targets'][number];
export type { EnvironmentConfig } from './environment.ts';
