// A live progress display for a running release: polls the workflow's `progress` query and
// prints each change of stage or target state, until the release ends.
import type { WorkflowHandle } from '@temporalio/client';
import type { ReleaseProgress, TargetStage } from '../workflows/types.ts';

const TARGET_STEPS: TargetStage[] = ['pending', 'creating-machine', 'enrolling', 'building', 'uploading', 'deleting-machine', 'done'];

/** One line per target with a bar for how far its machine's life has come. Pure. */
export function renderProgress(p: ReleaseProgress, width = 20): string[] {
  const names = Object.keys(p.targets);
  const pad = Math.max(8, ...names.map((n) => n.length));
  return [
    `release: ${p.stage}`,
    ...names.map((name) => {
      const stage = p.targets[name]!;
      const i = TARGET_STEPS.indexOf(stage);
      const filled = stage === 'done' ? width : i < 0 ? 0 : Math.round((i / (TARGET_STEPS.length - 1)) * width);
      const bar = stage === 'failed' || stage === 'cancelled' ? 'x'.repeat(width) : '#'.repeat(filled) + '.'.repeat(width - filled);
      return `  ${name.padEnd(pad)} [${bar}] ${stage}`;
    }),
  ];
}

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
