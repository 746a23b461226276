// A worker on simulated machines for the benches: the orchestrator as tests run it, its
// machines in-process agents (providers/simulated), all of them stopped afterwards.
import { withWorker, type TestContext } from '../test/helpers/temporal.ts';
import type { ArtifactStore } from '../ports/artifacts.ts';
import { SimulatedMachines, type SimulatedOptions } from '../workers/simulated-machines.ts';

export async function withSimulatedWorker<T>(fn: (ctx: TestContext) => Promise<T>, machines: Pick<SimulatedOptions, 'workRoot' | 'provisionMs' | 'directUploads'>, worker: { artifacts?: ArtifactStore } = {}): Promise<T> {
  let simulated: SimulatedMachines | undefined;
  try {
    return await withWorker(fn, {
      ...worker,
      provider: (ctx) =>
        (simulated = new SimulatedMachines({ temporalAddress: process.env.TEMPORAL_ADDRESS!, namespace: 'default', gatewayUrl: ctx.gatewayUrl, tokenFor: ctx.tokenFor, ...machines })),
    });
  } finally {
    await simulated?.close();
  }
}
