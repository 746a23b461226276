// Publishes the release's Rust crates in dependency order through the registry's web API.
// Idempotent: a version the index already has with the same checksum counts as published; the
// same version with other content is a non-retryable PublishConflict naming the file. So a
// release re-run after a half-finished publish completes without a second upload.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { parse as parseToml } from 'smol-toml';
import { FailureType, nonRetryable } from '../../../core/failures.ts';
import type { PublishOutcome } from '../../../core/publish-outcome.ts';
import type { RegistryEndpoint } from '../../../activities/registries.ts';
import { reportProgress } from '../../../activities/heartbeat.ts';

const run = promisify(execFile);

export interface CrateFile {
  name: string;
  path: string;
}

interface Dep {
  name: string;
  version_req: string;
  features: string[];
  optional: boolean;
  default_features: boolean;
  target: string | null;
  kind: 'normal' | 'dev' | 'build';
  registry: string | null;
  explicit_name_in_toml: string | null;
}

type DepTables = {
  dependencies?: Record<string, unknown>;
  'dev-dependencies'?: Record<string, unknown>;
  'build-dependencies'?: Record<string, unknown>;
};

interface Manifest extends DepTables {
  package: Record<string, unknown>;
  features?: Record<string, string[]>;
  /** `[target.'cfg(windows)'.dependencies]` and the like. */
  target?: Record<string, DepTables>;
}

/** How cargo names crates.io's index in a dependency's `registry` field when a crate goes to
 *  another registry (what `cargo publish --registry` sends): its identifier, not an address
 *  tagship fetches from. */
export const CRATES_IO_INDEX = 'https://github.com/rust-lang/crates.io-index';

/** Where a dependency comes from, as the registry records it: null for the registry the crate
 *  goes to. A manifest names another registry by `registry-index` (cargo writes it for
 *  `registry = "…"`); without one a dependency is from crates.io — unless it is one of the crates
 *  this release publishes to the same registry (a workspace's path dependencies). */
function registryOf(spec: { 'registry-index'?: string }, name: string, own: ReadonlySet<string>, index: string): string | null {
  const norm = (u: string) => u.replace(/^sparse\+/, '').replace(/\/?$/, '/');
  const named = spec['registry-index'];
  if (named) return norm(named) === norm(index) ? null : named;
  return own.has(name) ? null : CRATES_IO_INDEX;
}

/** Reads the normalized Cargo.toml that `cargo package` put in the .crate. */
async function crateManifest(file: CrateFile, version: string): Promise<Manifest> {
  const { stdout } = await run('tar', ['-xzOf', file.path, `${file.name}-${version}/Cargo.toml`], { maxBuffer: 4 << 20 });
  return parseToml(stdout) as unknown as Manifest;
}

/** Every dependency of the normalized manifest, platform-specific ones with their `cfg`.
 *  `own`: the crates this release publishes; `index`: the registry they go to. */
function depsOf(m: Manifest, own: ReadonlySet<string> = new Set(), index = ''): Dep[] {
  const kinds = [['dependencies', 'normal'], ['dev-dependencies', 'dev'], ['build-dependencies', 'build']] as const;
  const tables: [DepTables, string | null][] = [[m, null], ...Object.entries(m.target ?? {}).map(([cfg, t]): [DepTables, string] => [t, cfg])];
  return tables.flatMap(([t, target]) =>
    kinds.flatMap(([table, kind]) =>
      Object.entries(t[table] ?? {}).map(([key, spec]) => {
        const s = (typeof spec === 'string' ? { version: spec } : spec) as { version?: string; features?: string[]; optional?: boolean; 'default-features'?: boolean; package?: string; 'registry-index'?: string };
        const name = s.package ?? key;
        return {
          name,
          version_req: s.version ?? '*',
          features: s.features ?? [],
          optional: s.optional ?? false,
          default_features: s['default-features'] ?? true,
          target,
          kind,
          registry: registryOf(s, name, own, index),
          explicit_name_in_toml: s.package ? key : null,
        };
      }),
    ),
  );
}

/** The crates in `order` that a crate depends on must come before it. */
export function orderProblems(order: string[], deps: Record<string, string[]>): string[] {
  const problems: string[] = [];
  order.forEach((name, i) => {
    for (const d of deps[name] ?? []) {
      const j = order.indexOf(d);
      if (j > i) problems.push(`${name} depends on ${d}, which publish.crates.order lists after it`);
    }
  });
  return problems;
}

async function indexEntries(indexUrl: string, name: string): Promise<{ vers: string; cksum: string }[]> {
  const n = name.toLowerCase();
  const path = n.length <= 2 ? `${n.length}/${n}` : n.length === 3 ? `3/${n[0]}/${n}` : `${n.slice(0, 2)}/${n.slice(2, 4)}/${n}`;
  const res = await fetch(`${indexUrl.replace(/^sparse\+/, '').replace(/\/?$/, '/')}${path}`);
  if (res.status === 404 || res.status === 410) return [];
  if (!res.ok) throw new Error(`reading the index entry of ${name} failed: HTTP ${res.status}`);
  return (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { vers: string; cksum: string });
}

export async function publishCrates(registry: RegistryEndpoint, version: string, crates: CrateFile[]): Promise<Record<string, PublishOutcome>> {
  // Read and check everything before the first upload: a bad order publishes nothing.
  const manifests = await Promise.all(crates.map((c) => crateManifest(c, version)));
  const problems = orderProblems(crates.map((c) => c.name), Object.fromEntries(crates.map((c, i) => [c.name, depsOf(manifests[i]!).filter((d) => d.kind !== 'dev').map((d) => d.name)])));
  if (problems.length) throw nonRetryable(FailureType.ConfigInvalid, `publish.crates.order: ${problems.join('; ')}`);

  const config = (await (await fetch(`${registry.url.replace(/^sparse\+/, '').replace(/\/?$/, '/')}config.json`)).json()) as { api: string };
  const outcomes: Record<string, PublishOutcome> = {};
  for (const [i, crate] of crates.entries()) {
    reportProgress({ crate: crate.name });
    const bytes = await readFile(crate.path);
    const cksum = createHash('sha256').update(bytes).digest('hex');
    const known = (await indexEntries(registry.url, crate.name)).find((e) => e.vers === version);
    if (known) {
      if (known.cksum !== cksum) {
        throw nonRetryable(FailureType.PublishConflict, `${crate.name}-${version}.crate is already in the registry with other content (registry sha256 ${known.cksum}, ours ${cksum}); a published version cannot change — release a new version`);
      }
      outcomes[crate.name] = 'already-published';
      continue;
    }
    const m = manifests[i]!;
    const pkg = m.package as { name: string; version: string; description?: string; license?: string; repository?: string; authors?: string[]; keywords?: string[]; categories?: string[]; readme?: string; homepage?: string; documentation?: string; links?: string };
    const meta = {
      name: pkg.name,
      vers: pkg.version,
      deps: depsOf(m, new Set(crates.map((c) => c.name)), registry.url),
      features: m.features ?? {},
      authors: pkg.authors ?? [],
      description: pkg.description ?? null,
      documentation: pkg.documentation ?? null,
      homepage: pkg.homepage ?? null,
      readme: null,
      readme_file: pkg.readme ?? null,
      keywords: pkg.keywords ?? [],
      categories: pkg.categories ?? [],
      license: pkg.license ?? null,
      license_file: null,
      repository: pkg.repository ?? null,
      badges: {},
      links: pkg.links ?? null,
    };
    const json = Buffer.from(JSON.stringify(meta));
    const head = Buffer.alloc(4);
    head.writeUInt32LE(json.length);
    const mid = Buffer.alloc(4);
    mid.writeUInt32LE(bytes.length);
    const res = await fetch(`${config.api.replace(/\/$/, '')}/api/v1/crates/new`, { method: 'PUT', headers: { authorization: registry.token }, body: Buffer.concat([head, json, mid, bytes]) });
    if (res.status === 401 || res.status === 403) throw nonRetryable(FailureType.ConfigInvalid, `the registry refused the token for ${crate.name} (HTTP ${res.status}); check the worker's registry token`);
    if (!res.ok) {
      // It may have been stored before the answer was lost: the index decides.
      const again = (await indexEntries(registry.url, crate.name)).find((e) => e.vers === version);
      if (again?.cksum === cksum) {
        outcomes[crate.name] = 'published';
        continue;
      }
      throw new Error(`publishing ${crate.name} ${version} failed: HTTP ${res.status} ${await res.text()}`);
    }
    outcomes[crate.name] = 'published';
  }
  return outcomes;
}
