// Wires real dependencies into the activity factories. Only workers build real dependencies;
// tests call this with their own state folder and ports, or the factories with other real parts.
import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkServerIdentity, type ConnectionOptions as TlsOptions } from 'node:tls';
import type { Client } from '@temporalio/client';
import type { Logger } from '../providers/log/logger.ts';
import type { Settings } from '../core/settings.ts';
import { DockerMachines, egressGateway } from '../providers/docker/machines.ts';
import { ControlSockets } from '../providers/docker/control-sockets.ts';
import { tcpEndpoint } from '../providers/net/relay.ts';
import { DigitalOceanMachines, agentUserData, type DigitalOceanOptions } from '../providers/digitalocean/machines.ts';
import { FsArtifactStore } from '../providers/artifacts-fs/store.ts';
import { startGateway, type Gateway } from '../providers/gateway/server.ts';
import { createSourceActivities } from '../activities/source.ts';
import { createMachineActivities } from '../activities/machines.ts';
import { exportEnvironment } from '../providers/docker/environment-files.ts';
import { createBuildActivities } from '../activities/build.ts';
import { createAppTestActivities } from '../activities/app-tests.ts';
import { createRepositoryActivities } from '../pipes/repositories/activities.ts';
import { createDeployActivities } from '../activities/deploy.ts';
import { createCratesActivities } from '../pipes/crates/activities.ts';
import { createPythonActivities } from '../pipes/python/activities.ts';
import { createChecksumsActivities } from '../pipes/checksums/activities.ts';
import { createEnvironmentActivities } from '../pipes/environments/activities.ts';
import { createForgeActivities } from '../pipes/forge/activities.ts';
import { proxyVariables, startEgressProxy, type EgressProxy } from '../providers/net/egress-proxy.ts';
import { DependencyCaches } from '../providers/gateway/dependency-caches.ts';
import { relayTls, temporalConnection, type AgentTemporalProfile } from '../providers/temporal/connection.ts';
import { SourceMissingError, SourceTars } from '../providers/sources/tars.ts';
import { invalidInput } from '../activities/inputs.ts';
import { createRetentionActivities } from '../activities/retention.ts';
import { createResumeActivities } from '../activities/resume.ts';
import { createProvenanceActivities } from '../pipes/provenance/activities.ts';
import { createNotifyActivities } from '../activities/notify.ts';
import { createAppImageActivities } from '../activities/app-image.ts';
import { createScanActivities } from '../activities/scan.ts';
import { createIntegrationActivities } from '../activities/integration.ts';
import { createQaActivities } from '../activities/qa.ts';
import { createImageRetentionActivities } from '../activities/image-retention.ts';
import { createAppReleaseActivities } from '../pipes/app/activities/app-release.ts';
import { createChartActivities } from '../pipes/app/activities/app-chart.ts';
import { createQaReportActivities } from '../pipes/app/activities/qa-report.ts';
import { createVelocitasActivities } from '../pipes/velocitas/activities.ts';
import { FsQaStore } from '../providers/qa-fs/store.ts';
import { FsRepositoryHost } from '../providers/repo-fs/host.ts';
import type { RepositoryHost } from '../ports/repositories.ts';
import type { QaStore } from '../ports/qa.ts';
import { OciRegistryClient } from '../providers/oci/registry.ts';
import { provenanceKey, type ProvenanceKey } from '../providers/signing/provenance-key.ts';
import { signedQaRecords } from '../providers/signing/qa-records.ts';
import type { MachineProvider, MachineSpec } from '../ports/machines.ts';
import type { ArtifactStore } from '../ports/artifacts.ts';
import { ENROLMENT_HOURS, MACHINE_TOKEN_HOURS, mintEnrolment, mintMachineToken } from '../providers/gateway/tokens.ts';
import { MachineLabel } from '../core/names.ts';
import { GitMirrors } from '../providers/git/mirror.ts';
import type { Projects } from '../providers/projects/file.ts';
import { AGENT_BUNDLE_RELATIVE, buildAgentBundle } from './agent-bundle.ts';
import { REPO_ROOT, TOOLS_DIR } from '../providers/paths.ts';

export interface OrchestratorDeps {
  stateDir: string;
  temporalAddress: string;
  namespace?: string;
  /** For the reaper's look-ups of release states. */
  client?: Client;
  docker?: Docker;
  /** Fixed so that agents find the gateway again after an orchestrator restart; 0 = any. */
  gatewayPort?: number;
  /** Where the gateway listens (loopback by default). */
  gatewayHost?: string;
  /** The gateway's URL as droplets are told it (their user data); its own URL by default. */
  gatewayPublicUrl?: string;
  /** The gateway's certificate and key (PEM): it speaks HTTPS only. `ca` is what machines
   *  trust it by when it is not from a public CA (a self-signed certificate is its own CA). */
  gatewayTls?: { cert: string; key: string; ca?: string };
  /** Defaults to a token kept in <stateDir>/agent-token, stable across restarts. */
  agentToken?: string;
  /** Build machines from elsewhere (DigitalOcean); docker containers with agents by default. */
  provider?: (ctx: MachineContext) => MachineProvider;
  /** The artifact store; the filesystem store under <stateDir>/artifacts by default. */
  artifacts?: ArtifactStore;
  /** Where the repo server's trees live; <stateDir>/repo-server by default. */
  repoRoot?: string;
  /** The repository host (an S3 bucket every orchestrator host shares); a folder of this
   *  host, repoRoot, by default. */
  repositories?: RepositoryHost;
  /** Where container apps' QA records are kept; <stateDir>/qa by default. */
  qa?: QaStore;
  /** Extra environment for build agents (the payload codec's keys), passed like their token. */
  agentEnv?: Record<string, string>;
  /** What only agents that enrol (droplets) are handed besides agentEnv: their Temporal client
   *  credentials (docker machines' relay holds those instead). */
  enrolmentEnv?: Record<string, string>;
  /** The projects file: each project's repository, git credentials and signed-tag policy.
   *  Without it only working-tree releases (`--from-dir`) can run. */
  projects?: Projects;
  /** The OCI registry container apps' images go to (host[:port]); without it CI cannot run. */
  registry?: string;
  /** Trivy's cache folder, whose db/ holds the vulnerability database; <stateDir>/trivy by default. */
  scannerCache?: string;
  /** The registry's config file, for garbage collection after image retention deletes. */
  registryConfig?: string;
  /** The Temporal Web UI's address: release documentation links the CI run there. */
  uiUrl?: string;
  /** Where release outcomes are posted (activities/notify.ts). */
  notify?: { url: string; on: 'failure' | 'all' };
  /** Where the bootstrap put the scanner, helm and arm64 Node; the repository's .tagship/tools by default. */
  toolsDir?: string;
  /** Named registries' URL and token variables; the process's environment, read at each publish, by default. */
  registryEnv?: Record<string, string>;
  /** The provenance key's file; made once in the state folder by default. */
  provenanceKeyFile?: string;
  /** The process's logger (the gateway logs each request through it). */
  log?: Logger;
  /** What `network: true` work may reach through the egress proxy (default: any public host). */
  egressAllow?: string[];
  /** The forge API for tagship.yml's `forge` releases (GitHub's by default). */
  forgeApiUrl?: string;
}

/** Where the bootstrap builds the scanner and helm, and puts Node for arm64 machines, unless
 *  the settings say otherwise (TAGSHIP_TOOLS_DIR). */
export const DEFAULT_TOOLS_DIR = TOOLS_DIR;
export const toolPaths = (tools = DEFAULT_TOOLS_DIR) => ({
  trivy: join(tools, 'trivy', 'bin', 'trivy'),
  helm: join(tools, 'helm', 'bin', 'helm'),
  arm64Node: join(tools, 'node-arm64', 'bin', 'node'),
});
export const TRIVY_BINARY = toolPaths().trivy;
export const HELM_BINARY = toolPaths().helm;

/** What a machine provider is handed to start agents: where the gateway is, and the
 *  credentials of a machine being created — its token, or a one-time enrolment secret. */
export interface MachineContext {
  gatewayUrl: string;
  tokenFor: (spec: MachineSpec) => string;
  enrolmentFor: (spec: MachineSpec) => string;
  agentEnv: Record<string, string>;
}

export interface Orchestrator {
  activities: ReturnType<typeof buildActivities>;
  gateway: Gateway;
  machines: MachineProvider;
  /** What the gateway's /readyz answers from (the worker's state, once there is a worker). */
  readiness: { ready: () => boolean };
  close(): Promise<void>;
}

/** Where a droplet's agent finds the gateway's CA (NODE_EXTRA_CA_CERTS: Node's fetch trusts it). */
export const AGENT_GATEWAY_CA_FILE = '/var/lib/tagship/gateway-ca.pem';

/** Droplets as build machines; the agent enrols from cloud-init user data made here. The user
 *  data holds what the metadata service may serve to anyone on the droplet: addresses, CAs, the
 *  one-time enrolment secret. Codec keys and Temporal client credentials are handed at enrolment. */
export function digitalOceanProvider(
  d: { token: string; apiUrl?: string; region: string; image: string; size?: string },
  control: { address: string; namespace: string; temporal?: AgentTemporalProfile; gatewayCa?: string },
  tuning: Pick<DigitalOceanOptions, 'policy' | 'pollMs'> = {},
): NonNullable<OrchestratorDeps['provider']> {
  const files = { ...control.temporal?.files, ...(control.gatewayCa ? { [AGENT_GATEWAY_CA_FILE]: control.gatewayCa } : {}) };
  const env = { ...control.temporal?.env, ...(control.gatewayCa ? { NODE_EXTRA_CA_CERTS: AGENT_GATEWAY_CA_FILE } : {}) };
  return ({ gatewayUrl, enrolmentFor }) =>
    new DigitalOceanMachines({
      ...tuning,
      token: d.token,
      ...(d.apiUrl ? { apiUrl: d.apiUrl } : {}),
      region: d.region,
      defaultImage: d.image,
      ...(d.size ? { defaultSize: d.size } : {}),
      userData: (spec) =>
        agentUserData({ TAGSHIP_MACHINE: spec.name, TEMPORAL_ADDRESS: control.address, TEMPORAL_NAMESPACE: control.namespace, ...env, TAGSHIP_GATEWAY_URL: gatewayUrl, TAGSHIP_ENROLMENT: enrolmentFor(spec) }, files),
    });
}

/** How a machine's relay opens TLS to an HTTPS gateway: the certificate checked against the
 *  given CA (the system's by default) and the public URL's host, whatever address it dials. */
function gatewayRelayTls(publicUrl: string, ca?: string): TlsOptions {
  const host = new URL(publicUrl).hostname.replace(/^\[|\]$/g, '');
  return { ...(ca ? { ca } : {}), checkServerIdentity: (_dialled, cert) => checkServerIdentity(host, cert) };
}

/** The machine provider the settings name, for looking at and deleting machines (the CLI's
 *  `machines list`); it starts no agents, so it creates none. */
export function inventoryProvider(settings: Pick<Settings, 'provider' | 'digitalocean'>, docker = new Docker()): MachineProvider {
  if (settings.provider === 'digitalocean' && settings.digitalocean) {
    const refuse = (): string => {
      throw new Error('the machine inventory creates no droplets');
    };
    return new DigitalOceanMachines({ ...settings.digitalocean, defaultImage: settings.digitalocean.image, userData: refuse });
  }
  return new DockerMachines({ docker });
}

/** The gateway's secret, which signs every machine's token: from the settings, else generated
 *  once and kept in the state folder. It never leaves the orchestrator. */
export function agentToken(stateDir: string, given?: string): string {
  if (given) return given;
  const file = join(stateDir, 'agent-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(stateDir, { recursive: true });
  const token = randomBytes(24).toString('hex');
  writeFileSync(file, token, { mode: 0o600 });
  return token;
}

function buildActivities(deps: OrchestratorDeps, docker: Docker, gate: DockerMachines, machines: MachineProvider, artifacts: ArtifactStore, sources: SourceTars, egress: EgressProxy) {
  const proxyEnv = (who: string) => () => Promise.resolve(proxyVariables(egress.urlFor(who)));
  const repositories = repositoryHost(deps);
  const key = provenanceKey(deps.stateDir, deps.provenanceKeyFile);
  return {
    ...createSourceActivities({ stateDir: deps.stateDir, sources, provisionDuringGate: machines.kind === 'docker', mirrors: new GitMirrors(join(deps.stateDir, 'mirrors')), ...(deps.projects ? { projects: deps.projects } : {}), ...(deps.notify ? { notify: deps.notify.on } : {}) }),
    ...createNotifyActivities({ ...(deps.notify ? deps.notify : { on: 'failure' }), ...(deps.uiUrl ? { uiUrl: deps.uiUrl } : {}), namespace: deps.namespace ?? 'default' }),
    // Machines elsewhere fetch an environment's files as a content-addressed file from this host.
    ...createMachineActivities({ provider: machines, ...(deps.client ? { client: deps.client } : {}), exportEnvironment: (image) => exportEnvironment(docker, image, sources, join(deps.stateDir, 'environments', 'exports')) }),
    ...createBuildActivities({ provider: gate, shell: gate, artifacts, caches: new DependencyCaches(join(deps.stateDir, 'caches')) }),
    ...createEnvironmentActivities({ docker, sourcesDir: join(deps.stateDir, 'sources'), proxyEnv: proxyEnv('environment-build') }),
    ...createAppTestActivities({ provider: gate, shell: gate }),
    ...createRepositoryActivities({ stateDir: deps.stateDir, repositories, artifacts, docker, rpmImage: 'tagship/machine:bookworm-amd64', provenancePublicKey: key.publicPem }),
    ...createProvenanceActivities({ artifacts, key }),
    ...createCratesActivities({ artifacts, ...(deps.registryEnv ? { env: deps.registryEnv } : {}) }),
    ...createPythonActivities({ artifacts, ...(deps.registryEnv ? { env: deps.registryEnv } : {}) }),
    ...createChecksumsActivities({ artifacts }),
    ...createForgeActivities({ artifacts, mirrors: new GitMirrors(join(deps.stateDir, 'mirrors')), apiUrl: deps.forgeApiUrl ?? 'https://api.github.com' }),
    ...createRetentionActivities({ artifacts, sourcesDir: join(deps.stateDir, 'sources') }),
    ...createResumeActivities({ artifacts, ...(deps.client ? { client: deps.client } : {}) }),
    ...createDeployActivities({ repositories }),
    ...containerAppActivities(deps, docker, gate, key, proxyEnv('app-image-build')),
  };
}

/** The repository host: the one given, else the state folder's repo-server/ (staged in repos/). */
function repositoryHost(deps: OrchestratorDeps): RepositoryHost {
  return deps.repositories ?? new FsRepositoryHost(deps.repoRoot ?? join(deps.stateDir, 'repo-server'), join(deps.stateDir, 'repos'));
}

/** Every activity that takes a packed source (`source: { sha256, path }`) gets this host's copy:
 *  the path a workflow carries is the packing host's, so it is replaced by the one the sha256
 *  names here, fetched from the store when another host packed it (or this host lost it). A
 *  source nowhere to be found leaves that path missing: the activity checks its own inputs
 *  first, and fails on the missing file only when it reads it; a sha256 that is not one is
 *  refused as invalid input. */
function withLocalSources<A extends Record<string, (...args: never[]) => unknown>>(activities: A, sources: SourceTars): A {
  const sourced = (input: unknown): input is { source: { sha256: string; path: string } } => {
    const source = (input as { source?: { sha256?: unknown; path?: unknown } } | null)?.source;
    return typeof source?.sha256 === 'string' && typeof source.path === 'string';
  };
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      async (input: unknown, ...rest: unknown[]) => {
        const local = sourced(input) ? { ...input, source: { ...input.source, path: await localSource(sources, input.source.sha256) } } : input;
        return (fn as (...args: unknown[]) => unknown)(local, ...rest);
      },
    ]),
  ) as unknown as A;
}

async function localSource(sources: SourceTars, sha256: string): Promise<string> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw invalidInput('source.sha256', `${JSON.stringify(sha256.slice(0, 80))} is not a sha256`);
  return sources.local(sha256).catch((err: unknown) => {
    if (err instanceof SourceMissingError) return sources.pathOf(sha256);
    throw err;
  });
}

/** CI of container apps: images, scans, integration tests and QA records. */
function containerAppActivities(deps: OrchestratorDeps, docker: Docker, gate: DockerMachines, key: ProvenanceKey, proxyEnv: () => Promise<Record<string, string>>) {
  const qa = deps.qa ?? new FsQaStore(join(deps.stateDir, 'qa'));
  const records = signedQaRecords(qa, key);
  const registry = deps.registry ? { registry: new OciRegistryClient(deps.registry) } : {};
  return {
    ...createAppImageActivities({ docker, proxyEnv, ...registry }),
    ...createAppReleaseActivities({ records, ...registry }),
    ...createQaReportActivities({ stateDir: deps.stateDir, repositories: repositoryHost(deps), qa, ...(deps.uiUrl ? { runLink: (run) => `${deps.uiUrl!.replace(/\/$/, '')}/namespaces/${encodeURIComponent(deps.namespace ?? 'default')}/workflows/${encodeURIComponent(run.workflowId)}/${encodeURIComponent(run.runId)}/history` } : {}) }),
    ...createVelocitasActivities({ key }),
    ...createChartActivities({ helm: toolPaths(deps.toolsDir).helm, ...(deps.registry ? { registryHost: deps.registry } : {}) }),
    ...createScanActivities({ scanner: { binary: toolPaths(deps.toolsDir).trivy, cacheDir: deps.scannerCache ?? join(deps.stateDir, 'trivy') }, qa }),
    ...createIntegrationActivities({ docker, shell: gate }),
    ...createQaActivities({ qa, records }),
    ...createImageRetentionActivities({ ...registry, ...(deps.registryConfig ? { registryConfig: deps.registryConfig } : {}) }),
  };
}

/** What a machine builds: from its spec, or — for specs written before scopes existed — from
 *  its release and target labels (`release:<project>:v<version>`). */
function scopeOf(spec: MachineSpec): { project: string; version: string; target: string } {
  if (spec.scope) return spec.scope;
  const [, project = '', tag = ''] = (spec.labels[MachineLabel.release] ?? '').split(':');
  return { project, version: tag.replace(/^v/, ''), target: spec.labels[MachineLabel.target] ?? '' };
}

export async function createOrchestrator(deps: OrchestratorDeps): Promise<Orchestrator> {
  const docker = deps.docker ?? new Docker();
  const token = agentToken(deps.stateDir, deps.agentToken);
  const artifacts = deps.artifacts ?? new FsArtifactStore(join(deps.stateDir, 'artifacts'));
  const sources = new SourceTars(join(deps.stateDir, 'sources'), artifacts);
  // Not ready until a worker says it polls (createOrchestratorWorker sets it).
  const readiness = { ready: () => false };
  const gateway = await startGateway({
    ready: () => readiness.ready(),
    store: artifacts,
    sources,
    token,
    port: deps.gatewayPort ?? 0,
    ...(deps.gatewayHost ? { host: deps.gatewayHost } : {}),
    enrolmentLedger: join(deps.stateDir, 'enrolments-used'),
    caches: new DependencyCaches(join(deps.stateDir, 'caches')),
    agentEnv: { ...deps.agentEnv, ...deps.enrolmentEnv },
    ...(deps.gatewayTls ? { tls: deps.gatewayTls } : {}),
    ...(deps.log ? { log: deps.log.child({ name: 'gateway' }) } : {}),
  });
  await buildAgentBundle();
  // The way out for `network: true` work, on the egress bridge's gateway.
  const egress = await startEgressProxy({
    host: await egressGateway(docker),
    allow: deps.egressAllow ?? ['*'],
    log: (d) => deps.log?.child({ name: 'egress' })[d.allowed ? 'info' : 'warn']({ machine: d.who, host: d.host, port: d.port, reason: d.reason }, d.allowed ? 'egress allowed' : 'egress refused'),
  });
  const tokenFor = (spec: MachineSpec) => mintMachineToken(token, { ...scopeOf(spec), machine: spec.name, expiresAt: Date.now() + MACHINE_TOKEN_HOURS * 3_600_000 });
  const enrolmentFor = (spec: MachineSpec) => mintEnrolment(token, { ...scopeOf(spec), machine: spec.name, expiresAt: Date.now() + ENROLMENT_HOURS * 3_600_000 });
  // Installed by the bootstrap where arm64 emulation works.
  const { arm64Node } = toolPaths(deps.toolsDir);
  // Machines' agents speak plain gRPC to their socket; a secured frontend gets TLS (and the
  // client certificate, which never enters a machine) from the relay.
  const secured = relayTls(temporalConnection(deps.temporalAddress));
  const gatewayUrl = deps.gatewayPublicUrl ?? gateway.url;
  const control = new ControlSockets(
    join(deps.stateDir, 'control'),
    { temporal: tcpEndpoint(deps.temporalAddress), gateway: tcpEndpoint(gateway.url) },
    { ...(secured ? { temporal: secured } : {}), ...(deps.gatewayTls ? { gateway: gatewayRelayTls(gatewayUrl, deps.gatewayTls.ca) } : {}) },
  );
  const containers = deps.provider
    ? undefined
    : new DockerMachines({
        docker,
        agent: {
          repoRoot: REPO_ROOT,
          bundle: AGENT_BUNDLE_RELATIVE,
          nodeBinary: {
            amd64: process.execPath,
            ...(existsSync(arm64Node) ? { arm64: arm64Node } : {}),
          },
          env: { TEMPORAL_NAMESPACE: deps.namespace ?? 'default', ...deps.agentEnv },
          tokenFor,
          control,
        },
        egressProxy: egress,
      });
  // Machines that outlived an orchestrator restart find their way out again.
  await containers?.reattach();
  const machines = deps.provider?.({ gatewayUrl, tokenFor, enrolmentFor, agentEnv: deps.agentEnv ?? {} }) ?? containers!;
  // The test gate runs in a plain container driven through docker exec, on this host.
  const gate = new DockerMachines({ docker, egressProxy: egress });
  return {
    activities: withLocalSources(buildActivities(deps, docker, gate, machines, artifacts, sources, egress), sources),
    gateway,
    machines,
    readiness,
    close: async () => {
      await control.close();
      await gateway.close();
      await egress.close();
    },
  };
}
