// Reproducible by default? The example released twice from the same tagged commit, each time
// on its own Temporal dev server and worker with an empty artifact store (so nothing is
// reused), and every artifact compared byte for byte by its sha256. Builds get
// SOURCE_DATE_EPOCH from the commit.
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startRelease } from '../client/release.ts';
import { startGitServer } from '../embedded/git-http.ts';
import { projectsFrom } from '../providers/projects/file.ts';
import { withWorker } from '../test/helpers/temporal.ts';
import { startDevServer } from '../scripts/lib/temporal-server.ts';
import { freePort } from '../providers/net/ports.ts';
import { makeRepo } from '../test/helpers/git-repos.ts';
import { exampleFiles } from '../test/helpers/example-files.ts';
import { withRegistries } from '../test/helpers/registries.ts';
import { generateTestKey } from '../test/helpers/gpg.ts';

export async function reproducibility(targets = ['amd64-deb', 'amd64-rpm', 'amd64-tarball']): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'tagship-bench-repro-'));
  const repo = makeRepo(root, 'hello-veilid', exampleFiles('hello-veilid'));
  // The files were written as text: the test script is executable in the example.
  chmodSync(join(repo.work, 'tests', 'run.sh'), 0o755);
  repo.commit({}, 'tests/run.sh is executable');
  repo.tag('v7.0.0', { annotated: true });
  const commit = repo.git('rev-parse', 'HEAD');
  const git = await startGitServer({ root });
  process.env.HELLO_VEILID_SIGNING_KEY = generateTestKey().keyFile;
  try {
    const projects = projectsFrom(`projects:\n  hello-veilid: { repository: "${git.url}/hello-veilid.git" }\n`, 'projects.yml', {});
    const builds: Record<string, string>[] = [];
    const saved = process.env.TEMPORAL_ADDRESS;
    for (const run of [1, 2]) {
      const server = await startDevServer({ port: await freePort(), logFile: join(root, `temporal-${run}.log`) });
      process.env.TEMPORAL_ADDRESS = server.address;
      await withRegistries(() =>
        withWorker(async ({ client, taskQueue }) => {
          const t0 = performance.now();
          const r = await (await startRelease(client, { project: 'hello-veilid', tag: 'v7.0.0', taskQueue, commit, targets })).handle.result();
          builds.push(Object.fromEntries(r.targets.flatMap((t) => t.manifest.artifacts.map((a) => [`${t.target}/${a.name}`, a.sha256]))));
          console.log(`reproducibility: build ${run} of the example at ${commit.slice(0, 12)}: ${((performance.now() - t0) / 1000).toFixed(1)} s, ${Object.keys(builds[run - 1]!).length} artifacts`);
        }, { projects }),
      ).finally(() => server.stop());
    }
    if (saved === undefined) delete process.env.TEMPORAL_ADDRESS;
    else process.env.TEMPORAL_ADDRESS = saved;
    const [a, b] = builds as [Record<string, string>, Record<string, string>];
    const names = Object.keys(a).sort();
    const differ = names.filter((n) => a[n] !== b[n]);
    console.log(`reproducibility: ${names.length - differ.length} of ${names.length} artifacts identical byte for byte${differ.length ? `; differ: ${differ.join(', ')}` : ''}`);
  } finally {
    delete process.env.HELLO_VEILID_SIGNING_KEY;
    await git.close();
  }
}
