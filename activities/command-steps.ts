// Running a list of commands one by one, as the test gate and every build do: each step's
// number, command and output tail go into the heartbeat (so the Web UI shows what is running),
// and the first command that fails ends the list. Where a command runs (docker exec, a child
// process on a machine) is the caller's.
import { OutputTail } from '../core/output-tail.ts';
import type { HeartbeatHandle } from './heartbeat.ts';
import type { CommandResult } from './build.ts';

export interface CommandProgress {
  step: number;
  of: number;
  command: string;
  tail: string;
}

/** Runs one command, reporting its output as it comes; resolves to its exit code. */
export type RunCommand = (command: string, onOutput: (chunk: string) => void) => Promise<number>;

/** The first failing command's result, or the last one's when all succeed. `redact` is applied
 *  to every tail before it leaves (heartbeat or result). */
export async function runCommandSteps(commands: string[], hb: HeartbeatHandle, run: RunCommand, opts: { tailChars?: number; redact?: (s: string) => string } = {}): Promise<CommandResult> {
  const redact = opts.redact ?? ((s: string) => s);
  let last: CommandResult = { command: '', exitCode: 0, outputTail: '' };
  for (const [i, command] of commands.entries()) {
    const tail = new OutputTail(opts.tailChars);
    const progress: CommandProgress = { step: i + 1, of: commands.length, command, tail: '' };
    hb.update(progress);
    const exitCode = await run(command, (chunk) => {
      tail.push(chunk);
      hb.update({ ...progress, tail: redact(tail.tail(10)) });
    });
    last = { command, exitCode, outputTail: redact(tail.tail()) };
    if (exitCode !== 0) return last;
  }
  return last;
}
