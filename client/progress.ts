// A live progress display for a running release: polls the workflow's `progress` query and
// prints each change of stage or target state, until the release ends.
import type { WorkflowHandle } from '@temporalio/client';
import type { ReleaseProgress } from '../workflows/types.ts';

export async function followProgress(handle: WorkflowHandle, print: (line: string) => void, everyMs = 1000): Promise<void> {
  let last: Record<string, string> = {};
  const started = Date.now();
  for (;;) {
    let p: ReleaseProgress | undefined;
    try {
      p = await handle.query<ReleaseProgress>('progress');
    } catch {
      // Not started yet, or already closed (a closed workflow's query needs a worker).
    }
    if (p) {
      const now: Record<string, string> = { release: p.stage, ...p.targets };
      for (const [k, v] of Object.entries(now)) {
        if (last[k] !== v) print(`${String(Math.round((Date.now() - started) / 1000)).padStart(4)}s  ${k.padEnd(12)} ${v}`);
      }
      last = now;
    }
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
