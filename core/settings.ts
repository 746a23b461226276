// tagship's own settings (not a project's): where Temporal is, where state lives, its keys and
// tokens. Read once from the environment by each entry point and validated in one step: every
// variable is declared here once, and an error names the variable and the fix. (The build
// agent, a program of its own on each machine, has its own few in workers/agent.ts; the signing
// keys a project names as `env:NAME` are the project's.)
import { z } from 'zod';
import { formatPath } from './config/parse.ts';
import { DEFAULT_RETENTION_DAYS } from './retention.ts';
import { agentSecrets } from './build-env.ts';

export const TASK_QUEUE = 'tagship-orchestrator-v1';

const CODEC_KEYS = /^[A-Za-z0-9_-]+:[A-Za-z0-9+/]{43}=(,[A-Za-z0-9_-]+:[A-Za-z0-9+/]{43}=)*$/;

/** An S3 bucket's name, as S3 allows it. */
const S3_BUCKET = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name: 3 to 63 lower-case letters, digits, "." and "-"');

const schema = z.object({
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7233').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TAGSHIP_TASK_QUEUE: z.string().min(1).default(TASK_QUEUE),
  TAGSHIP_STATE_DIR: z.string().min(1).optional(),
  /** projects.yml: each project's repository, hook secret variable, git credentials. */
  TAGSHIP_PROJECTS: z.string().min(1).optional(),
  TAGSHIP_GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(7480),
  /** Where the gateway listens: loopback by default (docker machines reach it through their
   *  relays); an address droplets can reach when they run elsewhere (behind a TLS proxy). */
  TAGSHIP_GATEWAY_HOST: z.string().regex(/^[A-Za-z0-9.:-]+$/, 'must be an address to listen on, e.g. 127.0.0.1 or 10.0.0.5').default('127.0.0.1'),
  /** The gateway's address as droplets must use it (a public name, usually https through a
   *  proxy); its own listening address when unset. */
  TAGSHIP_GATEWAY_PUBLIC_URL: z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL').optional(),
  /** The gateway's certificate and key (PEM files): it then speaks HTTPS only; and the CA
   *  machines trust it by, when the certificate is not from a public CA (droplets get it in
   *  their user data; for a self-signed certificate, the certificate itself). */
  TAGSHIP_GATEWAY_TLS_CERT: z.string().min(1).optional(),
  TAGSHIP_GATEWAY_TLS_KEY: z.string().min(1).optional(),
  TAGSHIP_GATEWAY_TLS_CA: z.string().min(1).optional(),
  /** The Temporal frontend as droplets reach it (a public name); TEMPORAL_ADDRESS when unset.
   *  They connect as the worker does (the SDK's TEMPORAL_TLS_* and TEMPORAL_API_KEY): the CA
   *  and server name in their user data, client credentials handed when they enrol. */
  TAGSHIP_AGENT_TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. temporal.example.org:7233').optional(),
  TAGSHIP_AGENT_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  TAGSHIP_PROVIDER: z.enum(['docker', 'digitalocean']).default('docker'),
  TAGSHIP_DO_TOKEN: z.string().min(1).optional(),
  TAGSHIP_DO_API_URL: z.string().url().optional(),
  TAGSHIP_DO_REGION: z.string().min(1).default('nyc1'),
  TAGSHIP_DO_IMAGE: z.string().min(1).default('tagship-agent-snapshot'),
  /** The droplet size for targets whose tagship.yml names none. */
  TAGSHIP_DO_SIZE: z.string().regex(/^[a-z0-9-]+$/, 'must be a DigitalOcean size slug, e.g. s-2vcpu-4gb').default('s-2vcpu-4gb'),
  TAGSHIP_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  /** `apply`: the worker creates or updates tagship's schedules when it starts. */
  TAGSHIP_SCHEDULES: z.enum(['apply', 'off']).default('off'),
  /** The purge's retention for releases that recorded none (older manifests). */
  TAGSHIP_RETENTION_DAYS: z.coerce.number().int().positive().default(DEFAULT_RETENTION_DAYS),
  /** The OCI registry container apps' images are pushed to: host[:port], no scheme. */
  TAGSHIP_REGISTRY: z.string().regex(/^[a-z0-9.-]+(?::[0-9]{1,5})?$|^\[[0-9a-f:]+\](?::[0-9]{1,5})?$/, 'must be host[:port] without a scheme, e.g. 127.0.0.1:5000').optional(),
  /** Trivy's cache folder: its db/ holds the vulnerability database (trivy.db, metadata.json). */
  TAGSHIP_TRIVY_CACHE: z.string().min(1).optional(),
  /** The Temporal Web UI's address, for links to CI runs in release documentation. */
  TAGSHIP_UI_URL: z.string().url().optional(),
  // Where release outcomes are posted (a Slack/Mattermost incoming webhook: a secret URL).
  TAGSHIP_NOTIFY_URL: z.string().url().optional(),
  TAGSHIP_NOTIFY_ON: z.enum(['failure', 'all']).default('failure'),
  /** Hosts `network: true` work may reach through the egress proxy: names, `*.suffix`, comma-
   *  separated; `*` (the default) is any host whose addresses are public. */
  TAGSHIP_EGRESS_ALLOW: z.string().regex(/^\s*(\*|(\*\.)?[A-Za-z0-9.-]+)(\s*,\s*(\*|(\*\.)?[A-Za-z0-9.-]+))*\s*$/, 'must be host names, *.suffix patterns or *, comma-separated').default('*'),
  /** Where the worker serves Prometheus metrics (host:port; /metrics): the SDK's and tagship's
   *  own (releases by outcome, machine-seconds, machines reaped). Off when unset. */
  TAGSHIP_METRICS_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9464').optional(),
  /** The forge API a tagship.yml `forge` block releases through (GitHub's by default; a GitHub
   *  Enterprise or compatible one). */
  TAGSHIP_FORGE_API_URL: z.string().url().default('https://api.github.com'),
  /** The registry's config file (Debian's docker-registry): image retention then collects garbage. */
  TAGSHIP_REGISTRY_CONFIG: z.string().min(1).optional(),
  /** Payload encryption: `<id>:<base64 of 32 bytes>` pairs, comma-separated; the key in use. */
  TAGSHIP_CODEC_KEYS: z.string().regex(CODEC_KEYS, 'must be <id>:<base64 of 32 bytes>[,<id>:<base64>…], ids of letters, digits, "-" and "_"').optional(),
  TAGSHIP_CODEC_KEY_ID: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be one of the ids in TAGSHIP_CODEC_KEYS').optional(),
  /** The codec endpoint's token (`tagship codec serve`); a new one each start when unset. */
  TAGSHIP_CODEC_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  /** A PKCS#8 PEM Ed25519 key for provenance and QA records; made once in the state folder when unset. */
  TAGSHIP_PROVENANCE_KEY: z.string().min(1).optional(),
  /** A prebuilt workflow bundle (the test harness makes one); bundled from source when unset. */
  TAGSHIP_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  /** The artifact store: an S3 bucket (artifacts, manifests, step records) that every worker
   *  host shares; the state folder's artifacts/ when unset. Credentials come from the SDK's
   *  own variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY). */
  TAGSHIP_S3_BUCKET: S3_BUCKET.optional(),
  /** A self-hosted S3 server (path-style addressing); AWS's own when unset. */
  TAGSHIP_S3_ENDPOINT: z.string().url().optional(),
  TAGSHIP_S3_REGION: z.string().min(1).default('us-east-1'),
  /** The repository host as an S3 bucket (same endpoint and credentials as the store), which a
   *  static web server or CDN serves: <bucket>/<project>/deb, …/rpm. The state folder's
   *  repo-server/ (one host) when unset. */
  TAGSHIP_REPO_S3_BUCKET: S3_BUCKET.optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** An OpenTelemetry collector's OTLP/HTTP traces endpoint (…/v1/traces): one trace per release,
   *  across its child workflows and activities. Off when unset. */
  TAGSHIP_TRACES_URL: z.string().url().optional(),
  /** Where the bootstrap put the scanner, helm and arm64 Node; <state folder>/tools by default. */
  TAGSHIP_TOOLS_DIR: z.string().min(1).optional(),
  /** Worker versioning (Temporal Worker Deployments): the deployment this worker belongs to and
   *  its build id. A release runs to its end on the build it started on (pinned) while new
   *  releases start on the deployment's current build (`tagship worker promote`). Both or neither. */
  TAGSHIP_WORKER_DEPLOYMENT: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be a deployment name of letters, digits and . _ -, e.g. tagship').optional(),
  /** Workflow tasks one worker runs at once (the SDK's 40 by default). They share one thread:
   *  fewer slots keep each task short on a busy host (the rest wait on the server, where another
   *  worker can take them), more keep throughput up (README, "One worker or three"). */
  TAGSHIP_WORKFLOW_TASK_SLOTS: z.coerce.number().int().min(2, 'must be at least 2 (the SDK needs two to cache workflows)').max(1000).default(40),
  TAGSHIP_WORKER_BUILD_ID: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/, 'must be a build id of letters, digits and . _ + -, e.g. 1.4.0 or a git sha').optional(),
}).superRefine((e, ctx) => {
  if (!!e.TAGSHIP_WORKER_DEPLOYMENT !== !!e.TAGSHIP_WORKER_BUILD_ID) {
    const missing = e.TAGSHIP_WORKER_DEPLOYMENT ? 'TAGSHIP_WORKER_BUILD_ID' : 'TAGSHIP_WORKER_DEPLOYMENT';
    ctx.addIssue({ code: 'custom', path: [missing], message: 'is required with the other: a versioned worker names its deployment and its build id' });
  }
  if (!!e.TAGSHIP_GATEWAY_TLS_CERT !== !!e.TAGSHIP_GATEWAY_TLS_KEY) {
    const missing = e.TAGSHIP_GATEWAY_TLS_CERT ? 'TAGSHIP_GATEWAY_TLS_KEY' : 'TAGSHIP_GATEWAY_TLS_CERT';
    ctx.addIssue({ code: 'custom', path: [missing], message: 'is required with the other: give both the certificate and its key (PEM files), or neither' });
  }
  if (e.TAGSHIP_GATEWAY_TLS_CA && !e.TAGSHIP_GATEWAY_TLS_CERT) ctx.addIssue({ code: 'custom', path: ['TAGSHIP_GATEWAY_TLS_CA'], message: 'is set, but the gateway has no certificate: set TAGSHIP_GATEWAY_TLS_CERT and TAGSHIP_GATEWAY_TLS_KEY too' });
  if (e.TAGSHIP_GATEWAY_TLS_CERT && e.TAGSHIP_GATEWAY_PUBLIC_URL?.startsWith('http:')) ctx.addIssue({ code: 'custom', path: ['TAGSHIP_GATEWAY_PUBLIC_URL'], message: 'must be an https:// URL when the gateway has a certificate (TAGSHIP_GATEWAY_TLS_CERT)' });
  if (e.TAGSHIP_REPO_S3_BUCKET && e.TAGSHIP_REPO_S3_BUCKET === e.TAGSHIP_S3_BUCKET) ctx.addIssue({ code: 'custom', path: ['TAGSHIP_REPO_S3_BUCKET'], message: 'is the artifact bucket: the repository bucket is served to everyone, so give it a bucket of its own' });
  if (e.TAGSHIP_S3_ENDPOINT && !e.TAGSHIP_S3_BUCKET) ctx.addIssue({ code: 'custom', path: ['TAGSHIP_S3_BUCKET'], message: 'is required when TAGSHIP_S3_ENDPOINT is set: name the bucket tagship stores artifacts in' });
  if (e.TAGSHIP_CODEC_KEY_ID && !(e.TAGSHIP_CODEC_KEYS ?? '').split(',').some((pair) => pair.split(':')[0] === e.TAGSHIP_CODEC_KEY_ID)) {
    ctx.addIssue({ code: 'custom', path: ['TAGSHIP_CODEC_KEY_ID'], message: `is "${e.TAGSHIP_CODEC_KEY_ID}", which TAGSHIP_CODEC_KEYS does not define; name one of its ids` });
  }
});

/** Named registries' endpoints: TAGSHIP_REGISTRY_<NAME>_URL and TAGSHIP_REGISTRY_<NAME>_TOKEN. */
const REGISTRY_VAR = /^TAGSHIP_REGISTRY_([A-Z0-9_]+)_(URL|TOKEN)$/;

export interface Settings {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  stateDir: string;
  /** The projects file, when set. */
  projectsFile?: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** Where build agents reach the artifact gateway; fixed so they find it after a restart. */
  gatewayPort: number;
  /** The address the gateway listens on. */
  gatewayHost: string;
  /** The gateway's URL as droplets are told it, when it differs from where it listens. */
  gatewayPublicUrl?: string;
  /** The gateway's certificate, key and CA files, when it speaks HTTPS. */
  gatewayTls?: { certFile: string; keyFile: string; caFile?: string };
  /** The Temporal frontend's address as droplets reach it, when it differs. */
  agentTemporalAddress?: string;
  /** Secret: from the environment only; never logged or sent through a workflow. */
  agentToken?: string;
  provider: 'docker' | 'digitalocean';
  /** The OCI registry for container apps' images. */
  registry?: string;
  /** Trivy's cache folder (the vulnerability database). */
  scannerCache?: string;
  /** The registry's config file, for garbage collection. */
  registryConfig?: string;
  /** The Temporal Web UI, for links in release documentation. */
  uiUrl?: string;
  /** Where release outcomes are posted (secret: the URL holds the channel's token), and which. */
  notify?: { url: string; on: 'failure' | 'all' };
  /** What the egress proxy lets `network: true` work reach. */
  egressAllow: string[];
  /** The forge API forge releases go through. */
  forgeApiUrl: string;
  /** Where the worker serves Prometheus metrics, when set. */
  metricsAddress?: string;
  /** For provider digitalocean. The token is a secret, like agentToken. */
  digitalocean?: { token: string; apiUrl?: string; region: string; image: string; size: string };
  /** Apply the schedules at worker start, the purge defaulting to retentionDays. */
  schedules: { apply: boolean; retentionDays: number };
  /** The payload codec's variables, as the workers and agents are handed them; {} when off.
   *  Secret, like agentToken. */
  codecEnv: Record<string, string>;
  /** Secret: the codec endpoint's token. */
  codecToken?: string;
  provenanceKeyFile?: string;
  workflowBundle?: string;
  toolsDir: string;
  /** Named registries' URL and token variables (tokens are secrets), for the publish steps. */
  registryEnv: Record<string, string>;
  /** The S3 artifact store, when set (its secret key is the SDK's, read by the SDK). */
  s3?: { bucket: string; endpoint?: string; region: string };
  /** The repository bucket, on the store's S3 endpoint. */
  repoS3?: { bucket: string; endpoint?: string; region: string };
  /** Secret: for the logger to cut out. */
  s3SecretKey?: string;
  /** Where release traces are sent, when set. */
  tracesUrl?: string;
  /** Worker versioning: this worker's deployment and build id. */
  deployment?: { name: string; buildId: string };
  workflowTaskSlots: number;
}

/** Every secret value the settings hold, for the logger to cut out of every line. */
export function settingsSecrets(s: Settings): string[] {
  const registryTokens = Object.entries(s.registryEnv).filter(([k]) => k.endsWith('_TOKEN')).map(([, v]) => v);
  // The agent token and the codec keys are read the way an agent reads its own.
  return [...agentSecrets({ ...s.codecEnv, TAGSHIP_AGENT_TOKEN: s.agentToken }), s.digitalocean?.token, s.codecToken, s.notify?.url, s.s3SecretKey, ...registryTokens].filter((v): v is string => !!v);
}

/** Where the bootstrap's tools are: TAGSHIP_TOOLS_DIR, else <state folder>/tools — the same
 *  rule scripts/lib/common.sh follows when it installs them. */
export function toolsDirOf(env: Record<string, string | undefined>, defaultStateDir: string): string {
  return env.TAGSHIP_TOOLS_DIR || `${(env.TAGSHIP_STATE_DIR || defaultStateDir).replace(/\/+$/, '')}/tools`;
}

export function parseSettings(env: Record<string, string | undefined>, defaultStateDir: string): Settings {
  const r = schema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${formatPath(i.path)}: ${i.message}`);
    throw new Error(`invalid tagship settings in the environment:\n${lines.join('\n')}`);
  }
  if (r.data.TAGSHIP_PROVIDER === 'digitalocean' && !r.data.TAGSHIP_DO_TOKEN) {
    throw new Error('invalid tagship settings in the environment:\n  TAGSHIP_DO_TOKEN: is required when TAGSHIP_PROVIDER is digitalocean');
  }
  const stateDir = r.data.TAGSHIP_STATE_DIR ?? defaultStateDir;
  const codecEnv: Record<string, string> = r.data.TAGSHIP_CODEC_KEYS ? { TAGSHIP_CODEC_KEYS: r.data.TAGSHIP_CODEC_KEYS, ...(r.data.TAGSHIP_CODEC_KEY_ID ? { TAGSHIP_CODEC_KEY_ID: r.data.TAGSHIP_CODEC_KEY_ID } : {}) } : {};
  const registryEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => REGISTRY_VAR.test(e[0]) && !!e[1]));
  return {
    temporalAddress: r.data.TEMPORAL_ADDRESS,
    namespace: r.data.TEMPORAL_NAMESPACE,
    taskQueue: r.data.TAGSHIP_TASK_QUEUE,
    stateDir,
    ...(r.data.TAGSHIP_PROJECTS ? { projectsFile: r.data.TAGSHIP_PROJECTS } : {}),
    logLevel: r.data.TAGSHIP_LOG_LEVEL,
    gatewayPort: r.data.TAGSHIP_GATEWAY_PORT,
    gatewayHost: r.data.TAGSHIP_GATEWAY_HOST,
    ...(r.data.TAGSHIP_GATEWAY_PUBLIC_URL ? { gatewayPublicUrl: r.data.TAGSHIP_GATEWAY_PUBLIC_URL } : {}),
    ...(r.data.TAGSHIP_GATEWAY_TLS_CERT && r.data.TAGSHIP_GATEWAY_TLS_KEY
      ? { gatewayTls: { certFile: r.data.TAGSHIP_GATEWAY_TLS_CERT, keyFile: r.data.TAGSHIP_GATEWAY_TLS_KEY, ...(r.data.TAGSHIP_GATEWAY_TLS_CA ? { caFile: r.data.TAGSHIP_GATEWAY_TLS_CA } : {}) } }
      : {}),
    ...(r.data.TAGSHIP_AGENT_TEMPORAL_ADDRESS ? { agentTemporalAddress: r.data.TAGSHIP_AGENT_TEMPORAL_ADDRESS } : {}),
    ...(r.data.TAGSHIP_AGENT_TOKEN ? { agentToken: r.data.TAGSHIP_AGENT_TOKEN } : {}),
    provider: r.data.TAGSHIP_PROVIDER,
    ...(r.data.TAGSHIP_REGISTRY ? { registry: r.data.TAGSHIP_REGISTRY } : {}),
    ...(r.data.TAGSHIP_TRIVY_CACHE ? { scannerCache: r.data.TAGSHIP_TRIVY_CACHE } : {}),
    ...(r.data.TAGSHIP_REGISTRY_CONFIG ? { registryConfig: r.data.TAGSHIP_REGISTRY_CONFIG } : {}),
    ...(r.data.TAGSHIP_UI_URL ? { uiUrl: r.data.TAGSHIP_UI_URL } : {}),
    ...(r.data.TAGSHIP_NOTIFY_URL ? { notify: { url: r.data.TAGSHIP_NOTIFY_URL, on: r.data.TAGSHIP_NOTIFY_ON } } : {}),
    egressAllow: r.data.TAGSHIP_EGRESS_ALLOW.split(',').map((h) => h.trim()),
    forgeApiUrl: r.data.TAGSHIP_FORGE_API_URL,
    ...(r.data.TAGSHIP_METRICS_ADDRESS ? { metricsAddress: r.data.TAGSHIP_METRICS_ADDRESS } : {}),
    schedules: { apply: r.data.TAGSHIP_SCHEDULES === 'apply', retentionDays: r.data.TAGSHIP_RETENTION_DAYS },
    ...(r.data.TAGSHIP_DO_TOKEN
      ? { digitalocean: { token: r.data.TAGSHIP_DO_TOKEN, ...(r.data.TAGSHIP_DO_API_URL ? { apiUrl: r.data.TAGSHIP_DO_API_URL } : {}), region: r.data.TAGSHIP_DO_REGION, image: r.data.TAGSHIP_DO_IMAGE, size: r.data.TAGSHIP_DO_SIZE } }
      : {}),
    codecEnv,
    ...(r.data.TAGSHIP_CODEC_TOKEN ? { codecToken: r.data.TAGSHIP_CODEC_TOKEN } : {}),
    ...(r.data.TAGSHIP_PROVENANCE_KEY ? { provenanceKeyFile: r.data.TAGSHIP_PROVENANCE_KEY } : {}),
    ...(r.data.TAGSHIP_WORKFLOW_BUNDLE ? { workflowBundle: r.data.TAGSHIP_WORKFLOW_BUNDLE } : {}),
    toolsDir: toolsDirOf(env, defaultStateDir),
    registryEnv,
    ...(r.data.TAGSHIP_S3_BUCKET ? { s3: { bucket: r.data.TAGSHIP_S3_BUCKET, ...(r.data.TAGSHIP_S3_ENDPOINT ? { endpoint: r.data.TAGSHIP_S3_ENDPOINT } : {}), region: r.data.TAGSHIP_S3_REGION } } : {}),
    ...(r.data.TAGSHIP_REPO_S3_BUCKET ? { repoS3: { bucket: r.data.TAGSHIP_REPO_S3_BUCKET, ...(r.data.TAGSHIP_S3_ENDPOINT ? { endpoint: r.data.TAGSHIP_S3_ENDPOINT } : {}), region: r.data.TAGSHIP_S3_REGION } } : {}),
    ...(r.data.AWS_SECRET_ACCESS_KEY ? { s3SecretKey: r.data.AWS_SECRET_ACCESS_KEY } : {}),
    ...(r.data.TAGSHIP_TRACES_URL ? { tracesUrl: r.data.TAGSHIP_TRACES_URL } : {}),
    workflowTaskSlots: r.data.TAGSHIP_WORKFLOW_TASK_SLOTS,
    ...(r.data.TAGSHIP_WORKER_DEPLOYMENT && r.data.TAGSHIP_WORKER_BUILD_ID ? { deployment: { name: r.data.TAGSHIP_WORKER_DEPLOYMENT, buildId: r.data.TAGSHIP_WORKER_BUILD_ID } } : {}),
  };
}
