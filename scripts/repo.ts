// `npm run repo -- rollback <project>`: serve the previous repository tree again. Runs through
// the orchestrator worker (`npm run worker`), which must be running.
import { Command } from 'commander';
import { Client, Connection } from '@temporalio/client';
import { parseSettings } from '../core/settings.ts';
import { DEFAULT_STATE_DIR } from '../workers/paths.ts';
import { rollbackRepository } from '../client/repo.ts';

const program = new Command('repo');
program
  .command('rollback <project>')
  .description('serve the previous repository tree of <project> again')
  .action(async (project: string) => {
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(project)) throw new Error(`project "${project}" is not a project name (lowercase letters, digits and -)`);
    const settings = parseSettings(process.env, DEFAULT_STATE_DIR);
    const connection = await Connection.connect({ address: settings.temporalAddress });
    const client = new Client({ connection, namespace: settings.namespace });
    const timer = setTimeout(() => console.error('still waiting — is the orchestrator worker running? (npm run worker)'), 15_000);
    try {
      const r = await rollbackRepository(client, { project, taskQueue: settings.taskQueue });
      console.log(`${project}: now serving ${r.live} (the replaced tree ${r.previous} is kept as previous)`);
    } finally {
      clearTimeout(timer);
      await connection.close();
    }
  });

program.parseAsync().catch((err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
