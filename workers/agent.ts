// The build agent: a Temporal worker that runs *on* a build machine and polls the task queue
// named for that machine. It replaces CI-runner enrolment: no SSH, no inbound ports; it only
// connects out to Temporal and to the artifact gateway. Started by the machine provider
// (docker: the container's command; DigitalOcean: cloud-init).
import { NativeConnection, Worker, Runtime, DefaultLogger } from '@temporalio/worker';
import { z } from 'zod';
import { createAgentActivities } from '../activities/agent.ts';
import { agentTaskQueue } from '../core/names.ts';
import { agentSecrets } from '../core/build-env.ts';
import { dataConverterFromEnv } from '../providers/codec/aes-gcm.ts';

const env = z
  .object({
    TAGSHIP_MACHINE: z.string().min(1),
    TEMPORAL_ADDRESS: z.string().min(1),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TAGSHIP_GATEWAY_URL: z.string().url(),
    TAGSHIP_AGENT_TOKEN: z.string().min(16),
    TAGSHIP_WORKDIR: z.string().default('/work'),
    /** The unprivileged user builds run as, when the agent runs as root. */
    TAGSHIP_BUILD_UID: z.coerce.number().int().positive().default(10_000),
  })
  .safeParse(process.env);

async function main(): Promise<void> {
  if (!env.success) {
    throw new Error(`agent settings are invalid: ${env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const s = env.data;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: s.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    namespace: s.TEMPORAL_NAMESPACE,
    taskQueue: agentTaskQueue(s.TAGSHIP_MACHINE),
    // The same payload codec as the orchestrator's, when its keys were passed to the machine.
    ...(dataConverterFromEnv(process.env) ? { dataConverter: dataConverterFromEnv(process.env)! } : {}),
    activities: createAgentActivities({ machine: s.TAGSHIP_MACHINE, gatewayUrl: s.TAGSHIP_GATEWAY_URL, token: s.TAGSHIP_AGENT_TOKEN, workdir: s.TAGSHIP_WORKDIR, secrets: agentSecrets(process.env),
      ...(process.getuid?.() === 0 ? { buildUser: { uid: s.TAGSHIP_BUILD_UID, gid: s.TAGSHIP_BUILD_UID } } : {}),
    }),
    // One build at a time: the machine is sized for one.
    maxConcurrentActivityTaskExecutions: 2,
  });
  console.log(`tagship agent ${s.TAGSHIP_MACHINE} (${process.arch}, node ${process.version}) polling ${agentTaskQueue(s.TAGSHIP_MACHINE)}`);
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
