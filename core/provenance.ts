// The provenance of a release as an in-toto Statement (v1) with a SLSA Provenance v1
// predicate: which commit, config, machines and commands produced which digests. Built here
// from what the workflow knows (pure); signed by the orchestrator (activities/provenance.ts)
// as a DSSE envelope. A build never writes it.

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const BUILD_TYPE = 'urn:tagship:release:v1';
export const DSSE_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface ProvenanceInput {
  project: string;
  tag: string;
  version: string;
  /** The worker's builder id (its task queue names the deployment). */
  builderId: string;
  invocationId: string;
  startedOn: string;
  finishedOn: string;
  source: { repository?: string; commit?: string; tagObject?: string; sha256: string; configDigest?: string; reproducible: boolean };
  testGate: { command: string; image: string };
  targets: {
    name: string;
    arch: string;
    os: string;
    machine: { arch: string; image: string; size: string; environment?: ({ dockerfile: string; context: string } | { steps: string[] }) & { image?: string } };
    commands: string[];
    /** artifact name → sha256 */
    artifacts: Record<string, string>;
  }[];
  /** Build environments from the commit's Dockerfiles the gate or targets ran in. */
  environments?: { name: string; image: string; imageId: string }[];
  /** Files the orchestrator made from the artifacts (the signed checksums), subjects by name. */
  files?: { name: string; sha256: string }[];
}

export interface InTotoStatement {
  _type: typeof STATEMENT_TYPE;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: typeof SLSA_PROVENANCE_V1;
  predicate: Record<string, unknown>;
}

function digestOf(d: string | undefined): Record<string, string> | undefined {
  const m = /^sha256:([0-9a-f]{64})$/.exec(d ?? '');
  return m ? { sha256: m[1]! } : undefined;
}

export function provenanceStatement(p: ProvenanceInput): InTotoStatement {
  const subject = p.targets
    .flatMap((t) => Object.entries(t.artifacts).map(([name, sha256]) => ({ name: `${t.name}/${name}`, digest: { sha256 } })))
    .concat((p.files ?? []).map((f) => ({ name: f.name, digest: { sha256: f.sha256 } })))
    .sort((a, b) => a.name.localeCompare(b.name));
  const config = digestOf(p.source.configDigest);
  const resolvedDependencies = [
    ...(p.source.repository && p.source.commit
      ? [{ uri: `git+${p.source.repository}@refs/tags/${p.tag}`, digest: { gitCommit: p.source.commit, ...(p.source.tagObject ? { gitTag: p.source.tagObject } : {}) } }]
      : []),
    { name: 'source.tar', digest: { sha256: p.source.sha256 } },
    ...(p.environments ?? []).flatMap((e) => {
      const digest = digestOf(e.imageId);
      return digest ? [{ name: `environment ${e.name}`, uri: `docker-image:${e.image}`, digest }] : [];
    }),
  ];
  return {
    _type: STATEMENT_TYPE,
    subject,
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: BUILD_TYPE,
        externalParameters: {
          project: p.project,
          tag: p.tag,
          ...(p.source.repository ? { repository: p.source.repository } : { workingTree: true }),
          ...(config ? { config: { path: 'tagship.yml', digest: config } } : {}),
          targets: p.targets.map((t) => t.name),
        },
        internalParameters: {
          version: p.version,
          reproducible: p.source.reproducible,
          testGate: p.testGate,
          targets: Object.fromEntries(p.targets.map((t) => [t.name, { arch: t.arch, os: t.os, machine: t.machine, commands: t.commands }])),
        },
        resolvedDependencies,
      },
      runDetails: {
        builder: { id: p.builderId },
        metadata: { invocationId: p.invocationId, startedOn: p.startedOn, finishedOn: p.finishedOn },
      },
    },
  };
}

/** DSSE's pre-authentication encoding: what is signed. */
export function dssePae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}
