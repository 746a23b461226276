// A container-app project for tests: the example hello-vehicle-app committed to a git server on
// loopback, an OCI registry on loopback, a vulnerability database with one HIGH advisory for a
// package the example's image holds, and the projects file naming it. Each test file makes one.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parse, stringify } from 'yaml';
import type { Client } from '@temporalio/client';
import { makeRepo, type TestRepo } from './git-repos.ts';
import { exampleFiles } from './example-files.ts';
import { scannerCacheWith } from './scanner.ts';
import { releaseFailure, uniqueSuffix } from './temporal.ts';
import { startGitServer, type GitServer } from '../../embedded/git-http.ts';
import { startOciRegistry, type OciRegistry } from '../../embedded/oci-registry.ts';
import { projectsFrom, type Projects } from '../../providers/projects/file.ts';
import { qaRecordsIn } from '../../providers/signing/qa-records.ts';
import { startCi } from '../../client/ci.ts';
import type { QaRecord } from '../../core/qa/record.ts';

// Debian advisories name the source package (trivy-db's layout); findings name the installed one.
export const ADVISORY = { id: 'CVE-2099-0001', bucket: 'debian 12', package: 'python-paho-mqtt', fixedVersion: '99.0', severity: 'HIGH', title: 'tagship test advisory' } as const;
export const INSTALLED = 'python3-paho-mqtt';
export const HOOK_SECRET = 'ci-hook-secret';

type ExampleConfig = { project?: string; app: Record<string, unknown> & { image: string; tests: { coverage: { minimum: number } }; scan: { allow: unknown[] }; platforms: string[]; integration?: { command: string } } };

export interface ConfigChange {
  minimum?: number;
  allow?: unknown[];
  platforms?: string[];
  /** null: no integration tests; a string: the integration command. */
  integration?: string | null;
  network?: boolean;
}

export interface AppProject {
  project: string;
  repo: TestRepo;
  git: GitServer;
  registry: OciRegistry;
  scannerCache: string;
  projects: Projects;
  /** The example's files and its config as committed first. */
  files: Record<string, string>;
  image: string;
  /** The example's tagship.yml for this project with `change` applied to its app section. */
  configWith(change: ConfigChange): string;
  /** What withWorker needs to run CI and releases of this project. */
  workerOpts(): { projects: Projects; registry: string; scannerCache: string };
  /** Runs CI of `commit` (on main) to its end. */
  runCi(client: Client, taskQueue: string, commit: string): Promise<{ record: QaRecord | null; failure: { type?: string; message: string } | null }>;
  storedRecord(stateDir: string, commit: string): Promise<QaRecord | null>;
  close(): Promise<void>;
}

export async function appProject(prefix: string): Promise<AppProject> {
  const project = `${prefix}-${uniqueSuffix()}`;
  const files = exampleFiles('hello-vehicle-app');
  const example = parse(files['tagship.yml']!) as ExampleConfig;
  const configWith = (change: ConfigChange): string => {
    const c = structuredClone(example);
    c.project = project;
    if (change.minimum !== undefined) c.app.tests.coverage.minimum = change.minimum;
    if (change.allow) c.app.scan.allow = change.allow;
    if (change.platforms) c.app.platforms = change.platforms;
    if (change.network !== undefined) c.app.network = change.network;
    if (change.integration === null) delete c.app.integration;
    else if (change.integration) c.app.integration!.command = change.integration;
    return stringify(c);
  };
  const root = mkdtempSync(join(tmpdir(), 'tagship-app-git-'));
  const repo = makeRepo(root, project, { ...files, 'tagship.yml': configWith({}) });
  const git = await startGitServer({ root });
  const registry = await startOciRegistry();
  const scannerCache = scannerCacheWith([ADVISORY]);
  const projects = projectsFrom(`projects:\n  ${project}:\n    repository: ${git.url}/${project}.git\n    secretEnv: HOOK_SECRET\n`, 'projects.yml', { HOOK_SECRET }, { secret: true });
  return {
    project, repo, git, registry, scannerCache, projects, files, image: example.app.image, configWith,
    workerOpts: () => ({ projects, registry: registry.host, scannerCache }),
    async runCi(client, taskQueue, commit) {
      const { handle } = await startCi(client, { project, commit, ref: 'refs/heads/main', taskQueue, trigger: 'test' });
      const passed = await handle.result().then(() => true, () => false);
      return passed ? { record: await handle.result(), failure: null } : { record: null, failure: await releaseFailure(handle.result()) };
    },
    storedRecord: async (stateDir, commit) => {
      const read = await qaRecordsIn(stateDir).read(project, commit);
      if (read && 'problem' in read) throw new Error(read.problem);
      return read?.record ?? null;
    },
    async close() {
      await registry.close();
      await git.close();
    },
  };
}
