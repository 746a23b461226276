// tagship's own settings (not a project's): where Temporal is, where state lives. Read once
// from the environment by each entry point and validated in one step.
import { z } from 'zod';
import { formatPath } from './config/parse.ts';
import { DEFAULT_RETENTION_DAYS } from './retention.ts';

export const TASK_QUEUE = 'tagship-orchestrator-v1';

const schema = z.object({
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7233').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TAGSHIP_TASK_QUEUE: z.string().min(1).default(TASK_QUEUE),
  TAGSHIP_STATE_DIR: z.string().min(1).optional(),
  /** projects.yml: each project's repository, hook secret variable, git credentials. */
  TAGSHIP_PROJECTS: z.string().min(1).optional(),
  TAGSHIP_GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(7480),
  TAGSHIP_AGENT_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  TAGSHIP_PROVIDER: z.enum(['docker', 'digitalocean']).default('docker'),
  TAGSHIP_DO_TOKEN: z.string().min(1).optional(),
  TAGSHIP_DO_API_URL: z.string().url().optional(),
  TAGSHIP_DO_REGION: z.string().min(1).default('nyc1'),
  TAGSHIP_DO_IMAGE: z.string().min(1).default('tagship-agent-snapshot'),
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
  /** The registry's config file (Debian's docker-registry): image retention then collects garbage. */
  TAGSHIP_REGISTRY_CONFIG: z.string().min(1).optional(),
});

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
  /** For provider digitalocean. The token is a secret, like agentToken. */
  digitalocean?: { token: string; apiUrl?: string; region: string; image: string };
  /** Apply the schedules at worker start, the purge defaulting to retentionDays. */
  schedules: { apply: boolean; retentionDays: number };
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
  return {
    temporalAddress: r.data.TEMPORAL_ADDRESS,
    namespace: r.data.TEMPORAL_NAMESPACE,
    taskQueue: r.data.TAGSHIP_TASK_QUEUE,
    stateDir: r.data.TAGSHIP_STATE_DIR ?? defaultStateDir,
    ...(r.data.TAGSHIP_PROJECTS ? { projectsFile: r.data.TAGSHIP_PROJECTS } : {}),
    logLevel: r.data.TAGSHIP_LOG_LEVEL,
    gatewayPort: r.data.TAGSHIP_GATEWAY_PORT,
    ...(r.data.TAGSHIP_AGENT_TOKEN ? { agentToken: r.data.TAGSHIP_AGENT_TOKEN } : {}),
    provider: r.data.TAGSHIP_PROVIDER,
    ...(r.data.TAGSHIP_REGISTRY ? { registry: r.data.TAGSHIP_REGISTRY } : {}),
    ...(r.data.TAGSHIP_TRIVY_CACHE ? { scannerCache: r.data.TAGSHIP_TRIVY_CACHE } : {}),
    ...(r.data.TAGSHIP_REGISTRY_CONFIG ? { registryConfig: r.data.TAGSHIP_REGISTRY_CONFIG } : {}),
    ...(r.data.TAGSHIP_UI_URL ? { uiUrl: r.data.TAGSHIP_UI_URL } : {}),
    schedules: { apply: r.data.TAGSHIP_SCHEDULES === 'apply', retentionDays: r.data.TAGSHIP_RETENTION_DAYS },
    ...(r.data.TAGSHIP_DO_TOKEN
      ? { digitalocean: { token: r.data.TAGSHIP_DO_TOKEN, ...(r.data.TAGSHIP_DO_API_URL ? { apiUrl: r.data.TAGSHIP_DO_API_URL } : {}), region: r.data.TAGSHIP_DO_REGION, image: r.data.TAGSHIP_DO_IMAGE } }
      : {}),
  };
}
