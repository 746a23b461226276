// The build agent: a Temporal worker that runs *on* a build machine and polls the task queue
// named for that machine. It replaces CI-runner enrolment: no SSH, no inbound ports; it only
// connects out to Temporal and to the artifact gateway. Started by the machine provider
// (docker: the container's command; DigitalOcean: cloud-init).
import { NativeConnection, Worker, Runtime, DefaultLogger } from '@temporalio/worker';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createAgentActivities } from '../activities/agent.ts';
import { fetchWhileGatewayRestarts, whileOrchestratorRestarts } from '../activities/agent-fetch.ts';
import { z } from 'zod';
import { startRelay } from '../providers/net/relay.ts';
import { CONTROL_SOCKETS } from '../providers/docker/control-sockets.ts';
import { agentTaskQueue } from '../core/names.ts';
import { agentSecrets } from '../core/build-env.ts';
import { dataConverterFromEnv } from '../providers/codec/aes-gcm.ts';
import { LIVENESS_OPTIONS } from '../activities/heartbeat.ts';
import { HANDED_TO_AGENTS, temporalConnection } from '../providers/temporal/connection.ts';

const env = z
  .object({
    TAGSHIP_MACHINE: z.string().min(1),
    /** Direct addresses (DigitalOcean droplets), or … */
    TEMPORAL_ADDRESS: z.string().min(1).optional(),
    TAGSHIP_GATEWAY_URL: z.string().url().optional(),
    /** … a folder of control sockets (docker machines, which have no network). */
    TAGSHIP_CONTROL_DIR: z.string().min(1).optional(),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    /** The machine's token (docker machines), or … */
    TAGSHIP_AGENT_TOKEN: z.string().min(16).optional(),
    /** … a one-time secret to trade for it at the gateway (droplets, whose user data stays
     *  readable); the token is then kept in a file only root reads, for agent restarts. */
    TAGSHIP_ENROLMENT: z.string().min(16).optional(),
    TAGSHIP_TOKEN_FILE: z.string().default('/var/lib/tagship/agent-token'),
    TAGSHIP_WORKDIR: z.string().default('/work'),
    /** The unprivileged user builds run as, when the agent runs as root. */
    TAGSHIP_BUILD_UID: z.coerce.number().int().positive().default(10_000),
    /** tagship's egress proxy, the way out for `network: true` builds (docker machines). */
    TAGSHIP_EGRESS_PROXY: z.string().url().optional(),
  })
  .refine((e) => e.TAGSHIP_AGENT_TOKEN ?? e.TAGSHIP_ENROLMENT, 'give TAGSHIP_AGENT_TOKEN or TAGSHIP_ENROLMENT')
  .refine((e) => e.TAGSHIP_CONTROL_DIR ?? (e.TEMPORAL_ADDRESS && e.TAGSHIP_GATEWAY_URL), 'give TAGSHIP_CONTROL_DIR, or TEMPORAL_ADDRESS and TAGSHIP_GATEWAY_URL')
  .safeParse(process.env);

/** The machine's gateway token: given, kept from an earlier enrolment, or enrolled for now.
 *  Enrolling also hands the agent the codec keys and its Temporal client credentials (never in
 *  the droplet's user data); they are kept beside the token, root's only, for a restarted
 *  agent, and put in this process's environment, where the codec, the Temporal connection and
 *  the redactor read them. */
async function machineToken(s: { TAGSHIP_AGENT_TOKEN?: string | undefined; TAGSHIP_ENROLMENT?: string | undefined; TAGSHIP_TOKEN_FILE: string }, gateway: string): Promise<string> {
  if (s.TAGSHIP_AGENT_TOKEN) return s.TAGSHIP_AGENT_TOKEN;
  const envFile = `${s.TAGSHIP_TOKEN_FILE}.env.json`;
  if (existsSync(s.TAGSHIP_TOKEN_FILE)) {
    if (existsSync(envFile)) Object.assign(process.env, JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>);
    return readFileSync(s.TAGSHIP_TOKEN_FILE, 'utf8').trim();
  }
  const res = await fetchWhileGatewayRestarts(`${gateway}/enrol`, { method: 'POST', headers: { authorization: `Enrol ${s.TAGSHIP_ENROLMENT}` } }, new AbortController().signal);
  const body = (await res.json().catch(() => ({}))) as { token?: string; env?: Record<string, string>; error?: string; message?: string };
  if (!res.ok || !body.token) throw new Error(`enrolment refused by the gateway: HTTP ${res.status} ${body.message ?? body.error ?? ''}`);
  mkdirSync(dirname(s.TAGSHIP_TOKEN_FILE), { recursive: true, mode: 0o700 });
  const handed = Object.fromEntries(Object.entries(body.env ?? {}).filter(([k]) => HANDED_TO_AGENTS.test(k)));
  if (Object.keys(handed).length) {
    writeFileSync(envFile, JSON.stringify(handed), { mode: 0o600 });
    Object.assign(process.env, handed);
  }
  writeFileSync(s.TAGSHIP_TOKEN_FILE, body.token, { mode: 0o600 });
  return body.token;
}

/** Where Temporal and the gateway are. Through control sockets, each gets a port on the
 *  machine's loopback, which no build shares: builds run in network namespaces of their own. */
async function controlPlane(s: { TAGSHIP_CONTROL_DIR?: string | undefined; TEMPORAL_ADDRESS?: string | undefined; TAGSHIP_GATEWAY_URL?: string | undefined }): Promise<{ temporal: string; gateway: string }> {
  if (!s.TAGSHIP_CONTROL_DIR) return { temporal: s.TEMPORAL_ADDRESS!, gateway: s.TAGSHIP_GATEWAY_URL! };
  const local = async (socket: string) => {
    const relay = await startRelay({ listen: { host: '127.0.0.1', port: 0 }, to: { path: join(s.TAGSHIP_CONTROL_DIR!, socket) } });
    return `127.0.0.1:${(relay.endpoint as { port: number }).port}`;
  };
  return { temporal: await local(CONTROL_SOCKETS.temporal), gateway: `http://${await local(CONTROL_SOCKETS.gateway)}` };
}

async function main(): Promise<void> {
  if (!env.success) {
    throw new Error(`agent settings are invalid: ${env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const s = env.data;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const control = await controlPlane(s);
  const token = await machineToken(s, control.gateway);
  // The control sockets go with the orchestrator: one restarting as this machine boots is
  // waited for, not mistaken for a dead control plane.
  // Direct (droplets): TLS, client certificate and API key as the SDK's configuration says
  // (TEMPORAL_TLS_* from the user data and the enrolment). Control sockets: plain, the relay
  // holds TLS.
  const temporal = s.TAGSHIP_CONTROL_DIR ? { address: control.temporal } : temporalConnection(control.temporal, process.env);
  const connection = await whileOrchestratorRestarts(() => NativeConnection.connect(temporal));
  const worker = await Worker.create({
    connection,
    namespace: s.TEMPORAL_NAMESPACE,
    taskQueue: agentTaskQueue(s.TAGSHIP_MACHINE),
    // The same payload codec as the orchestrator's, when its keys were passed to the machine.
    ...(dataConverterFromEnv(process.env) ? { dataConverter: dataConverterFromEnv(process.env)! } : {}),
    activities: createAgentActivities({ machine: s.TAGSHIP_MACHINE, gatewayUrl: control.gateway, token, workdir: s.TAGSHIP_WORKDIR, secrets: agentSecrets(process.env),
      ...(process.getuid?.() === 0 ? { buildUser: { uid: s.TAGSHIP_BUILD_UID, gid: s.TAGSHIP_BUILD_UID } } : {}),
      ...(s.TAGSHIP_EGRESS_PROXY ? { egressProxy: s.TAGSHIP_EGRESS_PROXY } : {}),
      // A machine with a network of its own (a droplet) uploads straight to the store.
      directUploads: !s.TAGSHIP_CONTROL_DIR,
    }),
    // One build at a time: the machine is sized for one.
    maxConcurrentActivityTaskExecutions: 2,
    ...LIVENESS_OPTIONS,
  });
  console.log(`tagship agent ${s.TAGSHIP_MACHINE} (${process.arch}, node ${process.version}) polling ${agentTaskQueue(s.TAGSHIP_MACHINE)}`);
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
