// Eclipse Velocitas' deployment files for a released app image: the app's AppManifest (as the
// commit has it) and the desired-state manifest a Velocitas runtime deploys from — the shape
// devenv-runtimes' `generate-desired-state` writes (name, source, type, requires, provides),
// with the source pinned to the released index digest rather than a tag that could move. The
// AppManifest is the project's (hostile input): it is read within limits and every field used
// is checked, each problem named by its JSON path. Pure.
import { STATEMENT_TYPE } from './provenance.ts';

export const VELOCITAS_PREDICATE_TYPE = 'https://tagship.dev/attestations/velocitas-deployment/v1';

/** An AppManifest is a few hundred bytes; one far larger is not one. */
export const MAX_APP_MANIFEST_BYTES = 256 << 10;

/** Where VSS releases are published: a `src` there names a release (`v4.0`), as Velocitas reads it. */
const VSS_RELEASES = 'https://github.com/COVESA/vehicle_signal_specification/releases/download/';

export interface AppInterface {
  type: string;
  config: Record<string, unknown>;
}

export interface AppManifest {
  manifestVersion: string;
  name: string;
  interfaces: AppInterface[];
}

const APP_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
const SIGNAL_PATH = /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+){0,31}$/;
const ACCESS = ['read', 'write', 'subscribe', 'read-write'];
/** A file named by `src` that is not a URL: inside the project, as any project path. */
const LOCAL_SRC = /^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9_.\-/]+$/;
const URL = /^[a-z][a-z0-9+.-]*:\/\//;

/** The AppManifest's fields tagship uses, or every problem with them by JSON path. */
export function parseAppManifest(text: string, where: string): { manifest: AppManifest } | { problems: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { problems: [`${where}: not JSON (${(err as Error).message})`] };
  }
  const problems: string[] = [];
  const at = (path: string, message: string) => problems.push(`${where} ${path}: ${message}`);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { problems: [`${where}: must be a JSON object with manifestVersion, name and interfaces`] };
  const m = doc as Record<string, unknown>;
  if (typeof m.manifestVersion !== 'string' || !/^v\d+$/.test(m.manifestVersion)) at('.manifestVersion', 'must be a version such as "v3"');
  if (typeof m.name !== 'string' || !APP_NAME.test(m.name)) at('.name', 'must be the app\'s name: a letter, then letters, digits, "_" or "-" (at most 63)');
  const interfaces = m.interfaces ?? [];
  if (!Array.isArray(interfaces)) at('.interfaces', 'must be a list');
  const checked: AppInterface[] = [];
  (Array.isArray(interfaces) ? interfaces : []).forEach((i: unknown, n) => {
    const p = `.interfaces[${n}]`;
    if (!i || typeof i !== 'object' || typeof (i as AppInterface).type !== 'string') return at(p, 'must be an object with a "type"');
    const { type, config } = i as { type: string; config?: unknown };
    const c = (config && typeof config === 'object' && !Array.isArray(config) ? config : {}) as Record<string, unknown>;
    if (type === 'vehicle-signal-interface') {
      if (typeof c.src !== 'string' || !(c.src.startsWith(VSS_RELEASES) || LOCAL_SRC.test(c.src))) at(`${p}.config.src`, `must be a VSS release (${VSS_RELEASES}<version>/<file>) or a file in the repository`);
      const required = (c.datapoints as { required?: unknown } | undefined)?.required ?? [];
      if (!Array.isArray(required)) at(`${p}.config.datapoints.required`, 'must be a list');
      else required.forEach((d: unknown, k) => {
        const dp = d as { path?: unknown; access?: unknown } | null;
        if (!dp || typeof dp.path !== 'string' || !SIGNAL_PATH.test(dp.path)) at(`${p}.config.datapoints.required[${k}].path`, 'must be a signal path such as Vehicle.Speed');
        if (!dp || typeof dp.access !== 'string' || !ACCESS.includes(dp.access)) at(`${p}.config.datapoints.required[${k}].access`, `must be one of ${ACCESS.join(', ')}`);
      });
    } else if (type === 'grpc-interface') {
      // A proto named by URL would have to be fetched by the orchestrator: only the commit's own.
      if (typeof c.src !== 'string' || !LOCAL_SRC.test(c.src)) at(`${p}.config.src`, URL.test(String(c.src)) ? 'must be a .proto file in the repository: tagship fetches nothing a manifest names' : 'must be a .proto file in the repository');
    }
    checked.push({ type, config: c });
  });
  if (problems.length) return { problems };
  return { manifest: { manifestVersion: m.manifestVersion as string, name: m.name as string, interfaces: checked } };
}

/** The repository files the desired state hashes (a custom VSS file, a gRPC proto). */
export function localSources(manifest: AppManifest): string[] {
  const files = manifest.interfaces
    .filter((i) => (i.type === 'vehicle-signal-interface' || i.type === 'grpc-interface') && !String(i.config.src).startsWith(VSS_RELEASES))
    .map((i) => String(i.config.src).replace(/^\.\//, ''));
  return [...new Set(files)];
}

export interface DesiredState {
  name: string;
  source: string;
  type: 'container';
  requires: string[];
  provides: string[];
}

/** What the app requires of the vehicle, interface by interface, as Velocitas writes it: the VSS
 *  release (or the md5 of a custom VSS file) with the data broker and each datapoint's access,
 *  MQTT for pub/sub, the md5 of each gRPC proto. `md5` gives a repository file's md5. */
export function requirements(manifest: AppManifest, md5: (path: string) => string): string[] {
  const out: string[] = [];
  for (const i of manifest.interfaces) {
    const src = typeof i.config.src === 'string' ? i.config.src : '';
    if (i.type === 'vehicle-signal-interface') {
      const release = src.startsWith(VSS_RELEASES) ? src.slice(VSS_RELEASES.length).split('/')[0]! : null;
      const version = release ?? md5(src.replace(/^\.\//, ''));
      out.push(release ? `vss-source-default:${release}` : `vss-source-custom:${version}`, 'data-broker-grpc:v1');
      const required = ((i.config.datapoints as { required?: { path: string; access: string }[] } | undefined)?.required ?? []);
      for (const d of required) out.push(`vss-${d.access}-${d.path.toLowerCase().replace(/\./g, '-')}:${version}`);
    } else if (i.type === 'pubsub') out.push('mqtt:v5');
    else if (i.type === 'grpc-interface') out.push(`grpc-interface:${md5(src.replace(/^\.\//, ''))}`);
  }
  return out;
}

/** The desired state of the released image: `repository` is <registry>/<image>, `digest` the
 *  index the version tag points at. */
export function desiredState(manifest: AppManifest, image: { repository: string; version: string; digest: string }, md5: (path: string) => string): DesiredState {
  const shortName = image.repository.split('/').pop()!;
  return {
    name: manifest.name,
    source: `${image.repository}:${image.version}@${image.digest}`,
    type: 'container',
    requires: requirements(manifest, md5),
    provides: [`${shortName}:${image.version}`],
  };
}

/** Velocitas' file name for it. */
export function desiredStateName(manifest: AppManifest, version: string): string {
  return `${manifest.name.toLowerCase()}_manifest_${version}.json`;
}

export interface VelocitasStatement {
  _type: typeof STATEMENT_TYPE;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: typeof VELOCITAS_PREDICATE_TYPE;
  predicate: { project: string; version: string; commit?: string; image: string };
}

/** What the signature vouches for: each deployed file by sha256, and the image index. */
export function velocitasStatement(r: { project: string; version: string; commit?: string; image: { repository: string; digest: string }; files: { name: string; sha256: string }[] }): VelocitasStatement {
  return {
    _type: STATEMENT_TYPE,
    subject: [
      ...r.files.map((f) => ({ name: f.name, digest: { sha256: f.sha256 } })),
      { name: `${r.image.repository}@index`, digest: { sha256: r.image.digest.replace(/^sha256:/, '') } },
    ],
    predicateType: VELOCITAS_PREDICATE_TYPE,
    predicate: { project: r.project, version: r.version, ...(r.commit ? { commit: r.commit } : {}), image: `${r.image.repository}@${r.image.digest}` },
  };
}
