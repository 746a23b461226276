// tagship's own image (issue 20), built by tagship's own container-app CI from a commit of this
// repository: the root tagship.yml with one platform and a few unit tests (the whole CI, both
// platforms and every test, is the README's trial), its Dockerfile built with npm and PyPI
// reached through the egress proxy, scanned; the image runs the CLI as a user that is not root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from '../../providers/paths.ts';
import { makeRepo } from '../helpers/git-repos.ts';
import { uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { startGitServer } from '../../embedded/git-http.ts';
import { startOciRegistry } from '../../embedded/oci-registry.ts';
import { scannerCacheWith } from '../helpers/scanner.ts';
import { projectsFrom } from '../../providers/projects/file.ts';
import { startCi } from '../../client/ci.ts';

test('tagship\'s CI of tagship builds its image: npm package on Node 22, non-root, scanned; the image runs the CLI', async () => {
  const project = `self-${uniqueSuffix()}`;
  const files = Object.fromEntries(
    execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((f) => [f, readFileSync(join(REPO_ROOT, f), 'utf8')]),
  );
  const config = parse(files['tagship.yml']!) as { project: string; app: { platforms: string[]; tests: { command: string }; lint?: unknown } };
  config.project = project;
  config.app.platforms = ['amd64'];
  config.app.tests.command = config.app.tests.command.replace('test/unit/*.test.ts', 'test/unit/qa.test.ts test/unit/tag.test.ts');
  delete config.app.lint;
  const root = mkdtempSync(join(tmpdir(), 'tagship-self-'));
  const repo = makeRepo(root, project, { ...files, 'tagship.yml': stringify(config) });
  const git = await startGitServer({ root });
  const registry = await startOciRegistry();
  try {
    const projects = projectsFrom(`projects:\n  ${project}:\n    repository: ${git.url}/${project}.git\n`, 'projects.yml', {});
    const commit = repo.git('rev-parse', 'HEAD');
    await withWorker(async ({ client, taskQueue }) => {
      const { handle } = await startCi(client, { project, commit, ref: 'refs/heads/main', taskQueue, trigger: 'test' });
      const record = await handle.result();
      for (const g of ['tests', 'coverage', 'image', 'scan'] as const) assert.equal(record.gates[g]?.passed, true, `${g}: ${record.gates[g]?.message}`);
      assert.ok((record.tests?.tests ?? 0) >= 10, `the unit tests ran (${record.tests?.tests})`);
      const image = `${registry.host}/tagship@${record.images!.platforms.amd64}`;
      execFileSync('docker', ['pull', '--quiet', image], { stdio: 'pipe' });
      const help = spawnSync('docker', ['run', '--rm', '--network', 'none', image, '--help'], { encoding: 'utf8' });
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, /^Usage: tagship/);
      const who = spawnSync('docker', ['run', '--rm', '--network', 'none', '--entrypoint', 'sh', image, '-c', 'id -u; node --version'], { encoding: 'utf8' });
      assert.deepEqual(who.stdout.trim().split('\n'), ['10001', 'v22.20.0'], 'not root; Node 22');
      spawnSync('docker', ['rmi', image], { stdio: 'ignore' });
    }, { projects, registry: registry.host, scannerCache: scannerCacheWith([]) });
  } finally {
    await registry.close();
    await git.close();
  }
});
