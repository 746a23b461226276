// A compensation stack: register the undo before the do; undo in reverse order, in a
// non-cancellable scope (a cancelled scope would refuse every new activity call), log a failed
// undo and keep undoing; the caller rethrows its original error.
import { CancellationScope, log } from '@temporalio/workflow';

export class Compensations {
  private readonly undos: { what: string; fn: () => Promise<unknown> }[] = [];

  add(what: string, fn: () => Promise<unknown>): void {
    this.undos.push({ what, fn });
  }

  /** Returns the undos that failed (already logged). */
  async runAll(): Promise<string[]> {
    const failed: string[] = [];
    await CancellationScope.nonCancellable(async () => {
      while (this.undos.length) {
        const undo = this.undos.pop()!;
        try {
          await undo.fn();
        } catch (err) {
          failed.push(undo.what);
          log.error('compensation failed; the reaper will retry it', { what: undo.what, error: String(err) });
        }
      }
    });
    return failed;
  }
}
