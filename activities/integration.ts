// A container app's integration tests (issue 12): the app's image (by digest, from the
// registry) and its declared services start on a private network; the integration command runs
// in a runner container on that network with the commit's source; everything is removed
// afterwards, pass or fail — the same guarantee as build machines.
import type Docker from 'dockerode';
import type { MachineShell } from '../ports/machines.ts';
import { shortHash } from '../core/names.ts';
import { projectImageProblem } from '../core/dockerfile-policy.ts';
import { IntegrationEnv, type IntegrationContainer } from '../providers/docker/integration-env.ts';
import type { CommandResult } from './build.ts';
import { runCommands } from './build.ts';
import type { SourceRef } from './source.ts';
import { asFailure } from './machines.ts';
import { invalidInput } from './inputs.ts';

const IMAGE_BY_DIGEST = /^[a-z0-9.:[\]-]+\/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$/;

export interface IntegrationInput {
  /** The CI run: owner of every container, and the seed of their names. */
  runId: string;
  /** Whose CI it is: images built from a commit must be this project's. */
  project?: string;
  /** <registry>/<image>@sha256:… — the host platform's image the CI built. */
  appImage: string;
  services: IntegrationContainer[];
  command: string;
  /** The runner's image (the app's test image). */
  runnerImage: string;
  /** The app container's environment (app.integration.env). */
  appEnv?: Record<string, string>;
  env: Record<string, string>;
  source: SourceRef;
}

export interface IntegrationResult {
  run: CommandResult;
  /** The last lines each service printed, when the command failed (or the app stopped). */
  serviceLogs?: Record<string, string>;
  /** The app's last lines, whatever the outcome: they go into the QA record. */
  appLog?: string;
  /** Set when the app was no longer running when the tests ended: its exit code. An app that
   *  exits at start fails the gate even when the test command passed. */
  appExited?: number;
}

export function createIntegrationActivities(deps: { docker: Docker; shell: MachineShell }) {
  return {
    async runIntegration(input: IntegrationInput): Promise<IntegrationResult> {
      if (!IMAGE_BY_DIGEST.test(input.appImage)) throw invalidInput('appImage', `${JSON.stringify(input.appImage)} is not an image reference by digest`);
      // Every other container is made from tagship's bases or from an image built from this
      // project's commits: never another project's environment or app image on the engine.
      input.services.forEach((s, i) => {
        const refused = projectImageProblem(s.image, input.project);
        if (refused) throw invalidInput(`services[${i}].image`, refused);
      });
      const runner = projectImageProblem(input.runnerImage, input.project);
      if (runner) throw invalidInput('runnerImage', runner);
      const env = new IntegrationEnv(deps.docker, shortHash(input.runId), input.runId);
      try {
        // A retried attempt starts from nothing.
        await env.remove();
        await env.createNetwork();
        await env.pull(input.appImage);
        for (const s of input.services) await env.start(s, 'integration-service');
        await env.start({ name: 'app', image: input.appImage, ...(input.appEnv ? { env: input.appEnv } : {}) }, 'integration-app');
        const runner = await env.start({ name: 'runner', image: input.runnerImage, command: ['sleep', 'infinity'] }, 'integration-runner');
        const run = await runCommands(deps.shell, runner, [input.command], input.env, input.source);
        const app = await env.state('app');
        const appLog = await env.logs('app', 40);
        const appExited = app.running ? {} : { appExited: app.exitCode };
        if (run.exitCode === 0 && app.running) return { run, appLog };
        const serviceLogs: Record<string, string> = {};
        for (const s of input.services.map((x) => x.name)) serviceLogs[s] = await env.logs(s);
        return { run, serviceLogs, appLog, ...appExited };
      } catch (err) {
        throw asFailure(err);
      } finally {
        await env.remove();
      }
    },
  };
}
