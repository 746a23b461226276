// `tagship` — the operator's command line: release commands (cli-release.ts) and operations
// (cli-ops.ts) over one context; errors become the exit codes in cli-context.ts.
import { Command, CommanderError } from 'commander';
import { parseSettings } from '../core/settings.ts';
import { DEFAULT_STATE_DIR } from '../providers/paths.ts';
import { InputError } from './release.ts';
import { connectClient, TemporalUnreachableError } from '../providers/temporal/connect.ts';
import { addReleaseCommands } from './cli-release.ts';
import { addOpsCommands } from './cli-ops.ts';
import { addCiCommands } from './cli-ci.ts';
import { addConfigCommands } from './cli-config.ts';
import { Exit, ExitError, type CliContext } from './cli-context.ts';

export { Exit } from './cli-context.ts';

export function buildCli(print: (line: string) => void = console.log): Command {
  const program = new Command('tagship').description('release orchestrator on Temporal').exitOverride();
  const settings = () => {
    try {
      return parseSettings(process.env, DEFAULT_STATE_DIR);
    } catch (err) {
      throw new ExitError(Exit.badInput, (err as Error).message);
    }
  };
  const ctx: CliContext = {
    print,
    settings,
    withClient: async (fn) => {
      const s = settings();
      const { client, close } = await connectClient(s);
      try {
        return await fn(client, s);
      } finally {
        await close();
      }
    },
  };
  addReleaseCommands(program, ctx);
  addOpsCommands(program, ctx);
  addCiCommands(program, ctx);
  addConfigCommands(program, ctx);
  return program;
}

export async function runCli(argv: string[], print: (line: string) => void = console.log, printErr: (line: string) => void = console.error): Promise<number> {
  try {
    await buildCli(print).parseAsync(argv, { from: 'user' });
    return Exit.ok;
  } catch (err) {
    if (err instanceof ExitError) {
      if (err.message) printErr(`error: ${err.message}`);
      return err.code;
    }
    if (err instanceof CommanderError) return err.exitCode === 0 ? Exit.ok : Exit.badInput;
    if (err instanceof InputError) {
      printErr(`error: ${err.message}`);
      return Exit.badInput;
    }
    if (err instanceof TemporalUnreachableError) {
      printErr(`error: ${err.message}`);
      return Exit.failed;
    }
    printErr(`error: ${err instanceof Error ? err.message : String(err)}`);
    return Exit.failed;
  }
}
