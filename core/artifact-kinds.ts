// What an artifact is. A kind is decided once, where the artifact enters: declared next to its
// glob in tagship.yml (`{ path: "target/debian/*.deb", kind: deb }`), or, for a plain glob,
// inferred from the file's name when the agent takes it — and recorded in the manifest with
// the facts its name carries (a deb's package, version and arch; a crate's name and version;
// a wheel's tags). Every later step reads the kind and the facts; none looks at a file name.
// Pure.

/** Kinds a build can produce, and (below) those the orchestrator produces itself. */
export const BUILD_KINDS = ['deb', 'rpm', 'crate', 'wheel', 'sdist', 'archive', 'checksums', 'signature', 'sbom', 'chart', 'file'] as const;
export const ORCHESTRATOR_KINDS = ['provenance', 'image-index', 'qa-report', 'deployment-manifest'] as const;

export type BuildKind = (typeof BUILD_KINDS)[number];
export type ArtifactKind = BuildKind | (typeof ORCHESTRATOR_KINDS)[number];

export type ArtifactFacts = Record<string, string>;

/** What the name of a file of each kind must look like, and the facts it carries (as many as
 *  the name gives: a .deb not named the Debian way is still a deb, with no facts). */
interface KindRule {
  fits: RegExp;
  /** For the message when a declared kind does not fit the name. */
  shape: string;
  facts?: { re: RegExp; keys: string[] };
}

const ARCHIVE = /\.(tar\.gz|tgz|tar\.xz|tar\.bz2|tar\.zst|zip)$/;

const RULES: Record<BuildKind, KindRule> = {
  deb: { fits: /\.deb$/, shape: 'a .deb file', facts: { re: /^([a-z0-9][a-z0-9+.-]+)_([^_]+)_([a-z0-9-]+)\.deb$/, keys: ['package', 'version', 'arch'] } },
  rpm: { fits: /\.rpm$/, shape: 'an .rpm file', facts: { re: /^(.+)-([^-]+)-([^-]+)\.([A-Za-z0-9_]+)\.rpm$/, keys: ['name', 'version', 'release', 'arch'] } },
  // The crate's name and version are what publishing needs: the name must carry them.
  crate: { fits: /^[A-Za-z0-9_-]+?-\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?\.crate$/, shape: '<crate>-<version>.crate', facts: { re: /^([A-Za-z0-9_-]+?)-(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)\.crate$/, keys: ['name', 'version'] } },
  // PEP 427: {distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl
  wheel: { fits: /^[A-Za-z0-9_.]+-[^-]+(?:-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$/, shape: '<distribution>-<version>-<python>-<abi>-<platform>.whl', facts: { re: /^([A-Za-z0-9_.]+)-([^-]+)(?:-\d[^-]*)?-([^-]+-[^-]+-[^-]+)\.whl$/, keys: ['distribution', 'version', 'tags'] } },
  sdist: { fits: /^.+?-\d[^-]*\.tar\.gz$/, shape: '<distribution>-<version>.tar.gz', facts: { re: /^(.+?)-(\d[^-]*)\.tar\.gz$/, keys: ['distribution', 'version'] } },
  archive: { fits: ARCHIVE, shape: 'a .tar.gz, .tgz, .tar.xz, .tar.bz2, .tar.zst or .zip file', facts: { re: ARCHIVE, keys: ['format'] } },
  checksums: { fits: /./, shape: 'a checksums file such as SHA256SUMS' },
  signature: { fits: /\.(asc|sig|minisig)$/, shape: 'a .asc, .sig or .minisig file' },
  sbom: { fits: /\.(spdx\.json|cdx\.json|spdx)$/, shape: 'a .spdx.json, .cdx.json or .spdx file' },
  chart: { fits: /^.+?-\d[^-]*(?:-[0-9A-Za-z.]+)?\.tgz$/, shape: '<chart>-<version>.tgz', facts: { re: /^(.+?)-(\d[^-]*(?:-[0-9A-Za-z.]+)?)\.tgz$/, keys: ['name', 'version'] } },
  file: { fits: /./, shape: 'any file' },
};

function factsOf(kind: BuildKind, name: string): ArtifactFacts {
  const f = RULES[kind].facts;
  const m = f ? f.re.exec(name) : null;
  return m ? Object.fromEntries(f!.keys.map((k, i) => [k, m[i + 1]!])) : {};
}

export function isBuildKind(k: unknown): k is BuildKind {
  return typeof k === 'string' && (BUILD_KINDS as readonly string[]).includes(k);
}

/** What the project tells inference about its files. */
export interface KindHints {
  /** Python distributions the project publishes: their `.tar.gz` files are sdists, not archives. */
  pythonDistributions?: string[];
}

/** PEP 503 name normalisation. */
export function normalizeDistribution(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The kind of a plain glob's file, from its name. */
export function inferKind(name: string, hints: KindHints = {}): BuildKind {
  for (const kind of ['deb', 'rpm', 'crate', 'wheel'] as const) if (RULES[kind].fits.test(name)) return kind;
  const sdist = RULES.sdist.fits.test(name) ? factsOf('sdist', name) : null;
  if (sdist && (hints.pythonDistributions ?? []).some((d) => normalizeDistribution(d) === normalizeDistribution(sdist.distribution!))) return 'sdist';
  if (ARCHIVE.test(name)) return 'archive';
  if (/^(SHA256SUMS|SHA512SUMS|.*\.sha256)$/.test(name)) return 'checksums';
  for (const kind of ['signature', 'sbom'] as const) if (RULES[kind].fits.test(name)) return kind;
  return 'file';
}

export type Described = { ok: true; kind: BuildKind; facts: ArtifactFacts } | { ok: false; problem: string };

/** The kind and facts of a file: the declared kind when there is one (its name must fit it),
 *  else the inferred one. */
export function describeArtifact(name: string, declared: BuildKind | undefined, hints: KindHints = {}): Described {
  const kind = declared ?? inferKind(name, hints);
  const an = /^(a|rpm|sbom)/.test(kind) ? 'an' : 'a';
  if (!RULES[kind].fits.test(name)) return { ok: false, problem: `is declared kind ${kind} in tagship.yml, but ${an} ${kind} is ${RULES[kind].shape}; fix the kind or the glob` };
  return { ok: true, kind, facts: factsOf(kind, name) };
}

/** An artifact's kind and facts as recorded, or — for manifests written before kinds were
 *  recorded — as inference gives them. */
export function kindOf(entry: { name: string; kind?: ArtifactKind; facts?: ArtifactFacts }, hints: KindHints = {}): { kind: ArtifactKind; facts: ArtifactFacts } {
  if (entry.kind) return { kind: entry.kind, facts: entry.facts ?? {} };
  const kind = inferKind(entry.name, hints);
  return { kind, facts: factsOf(kind, entry.name) };
}
