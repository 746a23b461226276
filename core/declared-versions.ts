// The versions a project's own manifests declare (the Cargo workspace's or package's, each crate
// the release publishes, the Python project it publishes), against the version its tag
// releases: a tag that disagrees is refused before anything runs, naming the file. A manifest without a fixed version (a dynamic one, a
// member taking the workspace's) or with the placeholder 0.0.0 — a build that stamps the
// version from TAGSHIP_VERSION, as the example does — is not checked. Pure.

export interface DeclaredVersion {
  /** Where it is declared, e.g. `Cargo.toml [workspace.package]`. */
  where: string;
  version: string;
  /** How versions compare: exactly (Cargo) or by PEP 440 (Python). */
  scheme: 'semver' | 'pep440';
}

const PRE: Record<string, string> = { a: 'a', alpha: 'a', b: 'b', beta: 'b', c: 'rc', rc: 'rc', pre: 'rc', preview: 'rc' };

/** PEP 440's normal form of a release or pre-release version (`1.4.0-rc.1` → `1.4.0rc1`), or
 *  null for anything else (post/dev/local releases are left alone). */
export function pep440Normal(v: string): string | null {
  const m = /^v?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?$/.exec(v.trim().toLowerCase());
  if (!m) return null;
  return m[2] ? `${m[1]}${PRE[m[2]]}${m[3] || '0'}` : m[1]!;
}

/** Cargo.toml's version: `[workspace.package]`, else `[package]` (not `version.workspace`). */
export function cargoVersion(toml: Record<string, unknown>): DeclaredVersion | null {
  const ws = ((toml.workspace as Record<string, unknown> | undefined)?.package as Record<string, unknown> | undefined)?.version;
  if (typeof ws === 'string') return { where: 'Cargo.toml [workspace.package]', version: ws, scheme: 'semver' };
  const pkg = (toml.package as Record<string, unknown> | undefined)?.version;
  return typeof pkg === 'string' ? { where: 'Cargo.toml [package]', version: pkg, scheme: 'semver' } : null;
}

/** pyproject.toml's `[project] version` (none when the version is dynamic). */
export function pyprojectVersion(toml: Record<string, unknown>): DeclaredVersion | null {
  const v = (toml.project as Record<string, unknown> | undefined)?.version;
  return typeof v === 'string' ? { where: 'pyproject.toml [project]', version: v, scheme: 'pep440' } : null;
}

/** The manifests worth reading among a commit's files: Cargo.toml and pyproject.toml at the root
 *  and up to two folders down (`minijinja-cli/Cargo.toml`, `crates/core/Cargo.toml`,
 *  `bindings/python/pyproject.toml`), where workspaces keep their members. */
export function manifestPaths(files: readonly string[]): string[] {
  return files.filter((f) => /^(?:[^/]+\/){0,2}(?:Cargo|pyproject)\.toml$/.test(f)).sort();
}

/** What the release publishes, by name: its crates (publish.crates.order) and Python package. */
export interface Published {
  crates: readonly string[];
  python?: string;
}

/** PEP 503's normal form of a distribution name. */
const distName = (n: string) => n.toLowerCase().replace(/[-_.]+/g, '-');

/** The version one manifest declares, when it concerns the release: the root Cargo.toml and
 *  pyproject.toml always; a member's only when it is a crate or the Python package the release
 *  publishes (an example crate at 0.1.0 is not the release's business). */
export function declaredIn(path: string, toml: Record<string, unknown>, published: Published): DeclaredVersion | null {
  const root = !path.includes('/');
  if (path.endsWith('Cargo.toml')) {
    if (root) return cargoVersion(toml);
    const pkg = toml.package as Record<string, unknown> | undefined;
    if (typeof pkg?.name !== 'string' || typeof pkg.version !== 'string' || !published.crates.includes(pkg.name)) return null;
    return { where: `${path} [package] (crate ${pkg.name})`, version: pkg.version, scheme: 'semver' };
  }
  const declared = pyprojectVersion(toml);
  if (!declared || root) return declared;
  const name = (toml.project as Record<string, unknown> | undefined)?.name;
  if (typeof name !== 'string' || !published.python || distName(name) !== distName(published.python)) return null;
  return { ...declared, where: `${path} [project]` };
}

/** Why the tag's version disagrees with what the manifests declare, or null. */
export function versionDisagreement(tag: string, version: string, declared: DeclaredVersion[]): string | null {
  for (const d of declared) {
    if (/^0\.0\.0\b/.test(d.version)) continue;
    const same = d.scheme === 'semver' ? d.version === version : (() => {
      const ours = pep440Normal(version);
      return ours === null || ours === pep440Normal(d.version);
    })();
    if (!same) return `tag ${tag} releases version ${version}, but ${d.where} declares ${d.version}; set the manifest's version to ${version} (or tag the version it declares), or turn the check off with tag.checkVersions: false in tagship.yml`;
  }
  return null;
}
