// `npm run reap [-- --dry-run] [-- --max-lifetime-minutes N]`: runs the reaper once on the
// running orchestrator worker and prints what it deleted. (Issue 6 puts it on a schedule.)
import { Command } from 'commander';
import { connectClient } from '../providers/temporal/connect.ts';
import { randomUUID } from 'node:crypto';
import { parseSettings } from '../core/settings.ts';
import { DEFAULT_STATE_DIR } from '../providers/paths.ts';
import type { reaper } from '../workflows/reaper.ts';

async function main(): Promise<void> {
  const opts = new Command()
    .option('--dry-run', 'report what would be deleted, delete nothing')
    .option('--max-lifetime-minutes <n>', 'delete machines older than this whatever their release', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new Error('--max-lifetime-minutes must be a positive whole number');
      return n;
    })
    .parse()
    .opts<{ dryRun?: boolean; maxLifetimeMinutes?: number }>();
  const settings = parseSettings(process.env, DEFAULT_STATE_DIR);
  const { client, close } = await connectClient(settings);
  const result = await client.workflow.execute<typeof reaper>('reaper', {
    taskQueue: settings.taskQueue,
    workflowId: `reaper:manual:${randomUUID()}`,
    args: [{ ...(opts.dryRun ? { dryRun: true } : {}), ...(opts.maxLifetimeMinutes ? { maxLifetimeMinutes: opts.maxLifetimeMinutes } : {}) }],
  });
  console.log(`${result.dryRun ? 'would delete' : 'deleted'} ${result.deleted.length} of ${result.examined} tagship machine(s)`);
  for (const d of result.deleted) console.log(`  ${d.machine}: ${d.reason}`);
  for (const d of result.failed) console.log(`  FAILED ${d.machine}: ${d.reason}`);
  await close();
  if (result.failed.length) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
