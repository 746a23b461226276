// CI of examples/hello-vehicle-app on the embedded setup, as a forge would start it: the example
// pushed to main on a git server on loopback, a GitLab push hook delivered to the hook server,
// one CI run for the commit (tests and coverage, amd64 and arm64 images into the demo's OCI
// registry, a Trivy scan of each, the integration test against Mosquitto), the QA record kept.
// Then, for the demo, a tag of that commit is pushed and released: the version tag by digest, the
// Helm chart and the QA report. Shared by `npm run demo -- --example hello-vehicle-app` and
// `npm run bench`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NativeConnection } from '@temporalio/worker';
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Settings } from '../../core/settings.ts';
import type { QaRecord } from '../../core/qa/record.ts';
import { deepestCause } from '../../core/causes.ts';
import { createOrchestratorWorker } from '../../workers/orchestrator.ts';
import { TOOLS_DIR } from '../../providers/paths.ts';
import { startHookServer } from '../../client/hooks/server.ts';
import { ciStarterForHooks } from '../../client/ci.ts';
import { GitMirrors, lsRemoteTag } from '../../providers/git/mirror.ts';
import { startRelease } from '../../client/release.ts';
import type { ReleaseResult } from '../../workflows/types.ts';
import { projectsFrom } from '../../providers/projects/file.ts';
import type { CiProgress } from '../../workflows/ci.ts';
import { pushExampleToMain } from './demo-git.ts';
import { ensureDemoRegistry } from './demo-server.ts';
import { stageTimes } from './history-times.ts';

export const CI_PROJECT = 'hello-vehicle-app';

/** The stages CI reports, by the activities that make them up. */
export const CI_STAGES: Record<string, string[]> = {
  'fetch commit': ['loadCommit'],
  'unit tests + coverage': ['runAppTests'],
  'images (amd64, arm64) + index': ['buildAppImage', 'pushImageIndex'],
  'scan + SBOMs': ['scanImage'],
  'integration test': ['runIntegration'],
  'QA record': ['storeQaRecord'],
};

export interface ExampleRelease {
  handle: WorkflowHandle;
  tag: string;
  result: ReleaseResult | null;
  failure: string | null;
  wallMs: number;
  hookStatus: number;
}

export interface ExampleCi {
  /** With `release`: the release of a tag of the commit, after CI passed. */
  release?: ExampleRelease;
  handle: WorkflowHandle;
  commit: string;
  registry: string;
  record: QaRecord | null;
  failure: string | null;
  wallMs: number;
  stages: Record<string, number | null>;
  hookStatus: number;
}

/** The scanner's database: the operator's in <state>/trivy when there is one; otherwise a
 *  small demo database, in Trivy's format, with one low-severity advisory for a package the
 *  example's image holds (so the scan has a finding to show, below the failOn threshold). */
export function demoScannerCache(stateDir: string): { dir: string; made: boolean } {
  const dir = join(stateDir, 'trivy');
  if (existsSync(join(dir, 'db', 'trivy.db'))) return { dir, made: false };
  mkdirSync(dir, { recursive: true });
  const advisories = [{ id: 'CVE-2099-0002', bucket: 'debian 12', package: 'python-paho-mqtt', fixedVersion: '99.0', severity: 'LOW', title: 'tagship demo advisory' }];
  execFileSync(join(TOOLS_DIR, 'trivy', 'bin', 'trivy-testdb'), [dir], { input: JSON.stringify(advisories) });
  return { dir, made: true };
}

/** How a workflow ended: its result, or why it failed (the deepest cause's message). */
async function outcome<T>(handle: WorkflowHandle): Promise<{ result: T | null; failure: string | null }> {
  try {
    return { result: (await handle.result()) as T, failure: null };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    return { result: null, failure: deepestCause(err).message };
  }
}

/** `registry`: a registry of the caller's (the bench's); the demo's own otherwise. `release`:
 *  once CI passed, tag the commit with this tag and release it through a tag-push hook. */
export async function runExampleCi(opts: { settings: Settings; temporalAddress: string; client: Client; log: (line: string) => void; registry?: string; release?: string; uiUrl?: string }): Promise<ExampleCi> {
  const { settings, client, log } = opts;
  const registry = opts.registry ? { host: opts.registry } : await ensureDemoRegistry(settings.stateDir);
  if ('pid' in registry) log(`OCI registry (docker-registry) ${registry.reused ? 'reused' : 'started'} at ${registry.host} (pid ${registry.pid})`);
  const scanner = demoScannerCache(settings.stateDir);
  log(`Vulnerability database: ${scanner.made ? 'a demo database (1 low advisory) written' : 'found'} in ${join(scanner.dir, 'db')}`);
  const repo = await pushExampleToMain(settings.stateDir, CI_PROJECT, `${Math.floor(Date.now() / 1000)} +0000`);
  log(`Git server at ${repo.server.url}; pushed commit ${repo.commit} to main of ${repo.url}`);
  const secret = randomBytes(16).toString('hex');
  const projects = projectsFrom(`projects:\n  ${CI_PROJECT}:\n    repository: ${repo.url}\n    secretEnv: DEMO_HOOK_SECRET\n`, 'the demo\'s projects.yml', { DEMO_HOOK_SECRET: secret }, { secret: true });
  const connection = await NativeConnection.connect({ address: opts.temporalAddress });
  try {
    const worker = await createOrchestratorWorker({
      connection,
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      stateDir: settings.stateDir,
      temporalAddress: opts.temporalAddress,
      client,
      gatewayPort: settings.gatewayPort,
      projects,
      registry: registry.host,
      scannerCache: scanner.dir,
      ...(opts.uiUrl ? { uiUrl: opts.uiUrl } : {}),
    });
    const began = Date.now();
    return await worker.runUntil(async () => {
      const hooks = await startHookServer({
        projects: { [CI_PROJECT]: { secret } },
        resolveTag: (p, t) => lsRemoteTag(projects.get(p)!.repository, t),
        startRelease: async (p, t, commit) => {
          const { handle, existing } = await startRelease(client, { project: p, tag: t, taskQueue: settings.taskQueue, fromHook: true, ...(commit ? { commit } : {}) });
          return { workflowId: handle.workflowId, existing };
        },
        startCi: ciStarterForHooks({ client, taskQueue: settings.taskQueue, projects, mirrors: new GitMirrors(join(settings.stateDir, 'mirrors')) }),
      });
      const deliver = async (event: string, body: Record<string, unknown>) => {
        const res = await fetch(`${hooks.url}/hooks/gitlab/${CI_PROJECT}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-gitlab-event': event, 'x-gitlab-token': secret, 'x-gitlab-event-uuid': randomBytes(8).toString('hex') },
          body: JSON.stringify(body),
        });
        return { res, answer: (await res.json()) as { workflowId?: string; error?: string } };
      };
      const { res, answer } = await deliver('Push Hook', { object_kind: 'push', ref: 'refs/heads/main', before: '0'.repeat(40), after: repo.commit, checkout_sha: repo.commit });
      if (!answer.workflowId) throw new Error(`the hook server answered ${res.status}: ${answer.error ?? ''}`);
      log(`Delivered a GitLab push hook for main to ${hooks.url}: ${res.status}, CI ${answer.workflowId}`);
      const handle = client.workflow.getHandle(answer.workflowId);
      let last = '';
      const poll = setInterval(() => {
        handle.query<CiProgress>('ciProgress').then((p) => {
          if (p.stage !== last) log(`  … ${(last = p.stage)} (${Math.round((Date.now() - began) / 1000)} s)`);
        }, () => undefined);
      }, 500);
      const { result: record, failure } = await outcome<QaRecord>(handle).finally(() => clearInterval(poll));
      const wallMs = Date.now() - began;
      const ci: ExampleCi = { handle, commit: repo.commit, registry: registry.host, record, failure, wallMs, stages: await stageTimes(handle, CI_STAGES), hookStatus: res.status };
      if (record && opts.release) {
        // A maintainer tags the commit CI passed; the tag-push hook starts its release.
        await repo.tag(opts.release);
        const releaseBegan = Date.now();
        const hook = await deliver('Tag Push Hook', { object_kind: 'tag_push', ref: `refs/tags/${opts.release}`, before: '0'.repeat(40), after: repo.commit, checkout_sha: repo.commit });
        if (!hook.answer.workflowId) throw new Error(`the hook server answered ${hook.res.status}: ${hook.answer.error ?? ''}`);
        log(`Tagged ${opts.release} and delivered a GitLab tag-push hook: ${hook.res.status}, release ${hook.answer.workflowId}`);
        const rh = client.workflow.getHandle(hook.answer.workflowId);
        const { result, failure: why } = await outcome<ReleaseResult>(rh);
        ci.release = { handle: rh, tag: opts.release, result, failure: why, wallMs: Date.now() - releaseBegan, hookStatus: hook.res.status };
      }
      await hooks.close();
      return ci;
    });
  } finally {
    await connection.close();
    await repo.server.close();
  }
}
