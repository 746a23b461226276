// Records release histories for the replay tests (test/integration/replay.test.ts): real runs
// on a fresh dev server, one per scenario, saved as JSON. Run it when a release history shape
// is deliberately added; never to "fix" a replay failure — that failure means running
// releases would break, and the change needs patched() instead.
//   npm run record-histories
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { freePort, startDevServer, TEMPORAL_BIN } from './lib/temporal-server.ts';
import { REPO_ROOT, DEFAULT_STATE_DIR } from '../workers/paths.ts';
import { startRelease } from '../client/release.ts';
import { withWorker } from '../test/helpers/temporal.ts';
import { makeProject } from '../test/helpers/projects.ts';

const scenarios: { name: string; gate: string; build: string }[] = [
  { name: 'success', gate: 'true', build: 'mkdir -p out && echo built > out/a.txt' },
  { name: 'gate-failed', gate: 'echo failing; exit 4', build: 'true' },
  { name: 'build-failed', gate: 'true', build: 'echo broken >&2; exit 2' },
];

async function main(): Promise<void> {
  const server = await startDevServer({ port: await freePort(), logFile: join(DEFAULT_STATE_DIR, 'logs', 'record-histories.log') });
  process.env.TEMPORAL_ADDRESS = server.address;
  try {
    await withWorker(async ({ client, taskQueue }) => {
      for (const s of scenarios) {
        const project = `replay-${s.name}`;
        const dir = makeProject(`project: ${project}\ntestGate: { command: ${JSON.stringify(s.gate)} }\ntargets:\n  - { name: amd64-generic, arch: amd64, os: generic, build: [${JSON.stringify(s.build)}], artifacts: [out/*.txt] }\n`);
        const { handle } = await startRelease(client, { project, tag: 'v1.0.0', projectDir: dir, taskQueue });
        await handle.result().catch(() => undefined);
        // The CLI's JSON is the format the SDK's historyFromJSON reads back.
        const save = (workflowId: string, file: string) => {
          // Stored with its workflow id: replay needs it (child workflow ids derive from it).
          const history: unknown = JSON.parse(execFileSync(TEMPORAL_BIN, ['workflow', 'show', '--address', server.address, '-w', workflowId, '-o', 'json'], { encoding: 'utf8' }));
          writeFileSync(file, JSON.stringify({ workflowId, history }) + '\n');
          console.log(`recorded ${file}`);
        };
        save(handle.workflowId, join(REPO_ROOT, 'test', 'histories', `release-${s.name}.json`));
        if (s.name !== 'gate-failed') save(`${handle.workflowId}/target/amd64-generic`, join(REPO_ROOT, 'test', 'histories', `build-target-${s.name}.json`));
      }
    });
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
