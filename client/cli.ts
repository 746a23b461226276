// `tagship` — the operator's command line. Exit codes a script can rely on:
//   0 done / succeeded   1 the release or operation failed   2 bad input (nothing was changed)
//   3 no such release     4 still running (status)
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Client, Connection, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { parseSettings, type Settings } from '../core/settings.ts';
import { MachineLabel, releaseWorkflowId } from '../core/names.ts';
import Docker from 'dockerode';
import { DockerMachines } from '../providers/docker/machines.ts';
import { DigitalOceanMachines } from '../providers/digitalocean/machines.ts';
import { SA } from '../core/search-attributes.ts';
import { DEFAULT_RETENTION_DAYS } from '../core/retention.ts';
import { DEFAULT_STATE_DIR } from '../workers/paths.ts';
import { InputError, NothingToRetryError, retryRelease, startRelease } from './release.ts';
import { renderProgress } from './progress.ts';
import { deepestMessage, rollbackRepository } from './repo.ts';
import { startHookServer } from './hooks/server.ts';
import { applySchedules } from './schedules.ts';
import { AesGcmCodec, dataConverterFromEnv, parseCodecKeys } from '../providers/codec/aes-gcm.ts';
import { startCodecServer } from '../providers/codec/server.ts';
import type { ReleaseProgress } from '../workflows/types.ts';

export const Exit = { ok: 0, failed: 1, badInput: 2, notFound: 3, running: 4 } as const;

class ExitError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

async function withClient<T>(fn: (client: Client, settings: Settings) => Promise<T>): Promise<T> {
  const settings = parseSettings(process.env, DEFAULT_STATE_DIR);
  const connection = await Connection.connect({ address: settings.temporalAddress });
  try {
    const dataConverter = dataConverterFromEnv(process.env);
    return await fn(new Client({ connection, namespace: settings.namespace, ...(dataConverter ? { dataConverter } : {}) }), settings);
  } finally {
    await connection.close();
  }
}

function projectOf(opts: { project?: string; dir: string }): string {
  if (opts.project) return opts.project;
  const doc = parseYaml(readFileSync(resolve(opts.dir, 'tagship.yml'), 'utf8')) as { project?: string } | null;
  if (!doc?.project) throw new ExitError(Exit.badInput, `--project was not given and ${resolve(opts.dir, 'tagship.yml')} names none`);
  return doc.project;
}

async function describeRelease(client: Client, project: string, tag: string) {
  const handle = client.workflow.getHandle(releaseWorkflowId(project, tag));
  try {
    return { handle, description: await handle.describe() };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ExitError(Exit.notFound, `no release of ${project} ${tag}`);
    throw err;
  }
}

export function buildCli(print: (line: string) => void = console.log): Command {
  const program = new Command('tagship').description('release orchestrator on Temporal').exitOverride();
  const release = program.command('release').description('start, follow and inspect releases');
  const common = (c: Command) => c.option('-p, --project <name>', 'project (default: from <dir>/tagship.yml)').option('-d, --dir <dir>', 'the project\'s source tree', '.');

  common(release.command('start <tag>').description('start the release of <tag> (finds it if it already runs or ran)'))
    .option('-t, --targets <names>', 'comma-separated targets to build (default: all)')
    .action(async (tag: string, o: { project?: string; dir: string; targets?: string }) => {
      await withClient(async (client, s) => {
        const { handle, existing } = await startRelease(client, { project: projectOf(o), tag, projectDir: resolve(o.dir), taskQueue: s.taskQueue, ...(o.targets ? { targets: o.targets.split(',') } : {}) });
        print(`${existing ? 'found' : 'started'} ${handle.workflowId}`);
      });
    });

  common(release.command('retry <tag>').description('run a failed or cancelled release again; the test gate, targets and publishes earlier runs finished are kept'))
    .option('-t, --targets <names>', 'comma-separated targets (default: those the failed run was asked for)')
    .action(async (tag: string, o: { project?: string; dir: string; targets?: string }) => {
      await withClient(async (client, s) => {
        const project = projectOf(o);
        try {
          const r = await retryRelease(client, { project, tag, projectDir: resolve(o.dir), taskQueue: s.taskQueue, ...(o.targets ? { targets: o.targets.split(',') } : {}) });
          print(`retrying ${r.handle.workflowId} after its ${r.previousStatus.toLowerCase().replace('_', ' ')} run ${r.previousRunId}`);
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) throw new ExitError(Exit.notFound, `no release of ${project} ${tag} to retry; start it with \`tagship release start ${tag}\``);
          if (err instanceof NothingToRetryError && err.status === 'RUNNING') throw new ExitError(Exit.running, err.message);
          if (err instanceof NothingToRetryError) return print(err.message);
          throw err;
        }
      });
    });

  common(release.command('status <tag>').description('where the release is, or how it ended (exit 0 done, 1 failed, 4 running)')).action(async (tag: string, o: { project?: string; dir: string }) => {
    await withClient(async (client) => {
      const { handle, description } = await describeRelease(client, projectOf(o), tag);
      const status = description.status.name;
      if (status === 'RUNNING') {
        const p = await handle.query<ReleaseProgress>('progress');
        print(`${handle.workflowId}: running, stage ${p.stage}; ${Object.entries(p.targets).map(([t, s]) => `${t} ${s}`).join(', ') || 'no targets yet'}`);
        throw new ExitError(Exit.running, '');
      }
      if (status === 'COMPLETED') return print(`${handle.workflowId}: completed`);
      const reason = await handle.result().then(() => '', (err: unknown) => (err instanceof WorkflowFailedError ? deepestMessage(err) : String(err)));
      print(`${handle.workflowId}: ${status.toLowerCase()}${reason ? ` — ${reason.split('\n')[0]}` : ''}`);
      throw new ExitError(Exit.failed, '');
    });
  });

  common(release.command('watch <tag>').description('follow a release live until it ends, with a bar per target')).action(async (tag: string, o: { project?: string; dir: string }) => {
    await withClient(async (client) => {
      const { handle } = await describeRelease(client, projectOf(o), tag);
      let last = '';
      for (;;) {
        const running = (await handle.describe()).status.name === 'RUNNING';
        const p = running ? await handle.query<ReleaseProgress>('progress').catch(() => null) : null;
        const frame = p ? renderProgress(p).join('\n') : '';
        if (frame && frame !== last) print(frame);
        last = frame || last;
        if (!running) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      const ok = await handle.result().then(() => true, () => false);
      print(ok ? 'release completed' : 'release did not complete');
      if (!ok) throw new ExitError(Exit.failed, '');
    });
  });

  common(release.command('cancel <tag>').description('cancel a running release; its machines are deleted')).action(async (tag: string, o: { project?: string; dir: string }) => {
    await withClient(async (client) => {
      const { handle, description } = await describeRelease(client, projectOf(o), tag);
      if (description.status.name !== 'RUNNING') throw new ExitError(Exit.failed, `${handle.workflowId} is not running (${description.status.name.toLowerCase()})`);
      await handle.cancel();
      print(`cancellation requested for ${handle.workflowId}`);
    });
  });

  release
    .command('list')
    .description('releases, newest first, filtered by the search attributes')
    .option('-p, --project <name>')
    .option('-v, --version <version>')
    .option('-s, --status <status>', 'running | completed | failed | canceled | terminated')
    .action(async (o: { project?: string; version?: string; status?: string }) => {
      const clauses = ["WorkflowType = 'release'"];
      for (const [key, value] of [['TagshipProject', o.project], ['TagshipVersion', o.version]] as const) {
        if (value !== undefined) {
          if (!/^[A-Za-z0-9._-]+$/.test(value)) throw new ExitError(Exit.badInput, `--${key === 'TagshipProject' ? 'project' : 'version'} may hold only letters, digits, ".", "_" and "-"`);
          clauses.push(`${key} = '${value}'`);
        }
      }
      if (o.status) {
        const map: Record<string, string> = { running: 'Running', completed: 'Completed', failed: 'Failed', canceled: 'Canceled', cancelled: 'Canceled', terminated: 'Terminated' };
        const st = map[o.status];
        if (!st) throw new ExitError(Exit.badInput, `--status must be one of ${Object.keys(map).join(', ')}`);
        clauses.push(`ExecutionStatus = '${st}'`);
      }
      await withClient(async (client) => {
        for await (const w of client.workflow.list({ query: clauses.join(' AND ') })) {
          print(`${w.workflowId}\t${w.status.name.toLowerCase()}\t${w.typedSearchAttributes.get(SA.stage) ?? ''}\t${w.startTime.toISOString()}`);
        }
      });
    });

  program
    .command('repo')
    .description('repositories')
    .command('rollback <project>')
    .description('serve the previous repository tree of <project> again')
    .action(async (project: string) => {
      await withClient(async (client, s) => {
        const r = await rollbackRepository(client, { project, taskQueue: s.taskQueue });
        print(`${project}: now serving ${r.live}`);
      });
    });

  program
    .command('hooks')
    .description('tag webhooks')
    .command('serve')
    .description('serve GitLab and GitHub tag hooks (projects file: {projects: {<name>: {dir, secretEnv}}})')
    .requiredOption('-f, --projects <file>', 'YAML file naming each project, its source tree and the environment variable holding its hook secret')
    .option('--port <port>', 'port on 127.0.0.1', '8380')
    .action(async (o: { projects: string; port: string }) => {
      const doc = parseYaml(readFileSync(o.projects, 'utf8')) as { projects?: Record<string, { dir?: string; secretEnv?: string }> } | null;
      const projects: Record<string, { secret: string; dir: string }> = {};
      for (const [name, p] of Object.entries(doc?.projects ?? {})) {
        const secret = p.secretEnv ? process.env[p.secretEnv] : undefined;
        if (!p.dir || !secret) throw new ExitError(Exit.badInput, `${o.projects}: projects.${name} needs dir and secretEnv naming a set environment variable`);
        projects[name] = { secret, dir: resolve(p.dir) };
      }
      if (!Object.keys(projects).length) throw new ExitError(Exit.badInput, `${o.projects} names no projects`);
      const settings = parseSettings(process.env, DEFAULT_STATE_DIR);
      const client = new Client({ connection: await Connection.connect({ address: settings.temporalAddress }), namespace: settings.namespace });
      const server = await startHookServer({
        projects,
        port: Number(o.port),
        startRelease: async (project, tag) => {
          const { handle, existing } = await startRelease(client, { project, tag, projectDir: projects[project]!.dir, taskQueue: settings.taskQueue });
          return { workflowId: handle.workflowId, existing };
        },
      });
      print(`tagship hooks on ${server.url} for ${Object.keys(projects).join(', ')}`);
      await new Promise<void>((r) => process.once('SIGTERM', r).once('SIGINT', r));
      await server.close();
    });
  program
    .command('schedules')
    .description('Temporal Schedules')
    .command('apply')
    .description('create or update the daily artifact purge and the 15-minute machine reaper (idempotent)')
    .option('--retention-days <days>', 'days artifacts are kept unless a project says otherwise', String(DEFAULT_RETENTION_DAYS))
    .option('--dry-run', 'the purge only reports what it would delete')
    .action(async (o: { retentionDays: string; dryRun?: boolean }) => {
      const days = Number(o.retentionDays);
      if (!Number.isInteger(days) || days <= 0) throw new ExitError(Exit.badInput, '--retention-days must be a positive whole number');
      await withClient(async (client, s) => {
        for (const r of await applySchedules(client, { taskQueue: s.taskQueue, purge: { defaultDays: days, ...(o.dryRun ? { dryRun: true } : {}) } })) print(`${r.id}: ${r.outcome}`);
      });
    });

  program
    .command('codec')
    .description('payload encryption')
    .command('serve')
    .description('serve the codec endpoint for the Web UI (start the server with --ui-codec-endpoint <url>)')
    .option('--port <port>', 'port on 127.0.0.1', '8890')
    .option('--ui-origin <origin>', 'the Web UI\'s origin, allowed by CORS', 'http://localhost:8233')
    .action(async (o: { port: string; uiOrigin: string }) => {
      const keys = parseCodecKeys(process.env);
      if (!keys) throw new ExitError(Exit.badInput, 'TAGSHIP_CODEC_KEYS is not set; the codec endpoint needs the same keys as the workers');
      const server = await startCodecServer({ codec: new AesGcmCodec(keys), uiOrigin: o.uiOrigin, port: Number(o.port) });
      print(`codec endpoint ${server.url} for ${o.uiOrigin}; start the dev server with --ui-codec-endpoint ${server.url}`);
      await new Promise<void>((r) => process.once('SIGTERM', r).once('SIGINT', r));
      await server.close();
    });

  program
    .command('worker')
    .description('run the orchestrator worker (workflows, activities, artifact gateway) until SIGTERM')
    .action(async () => {
      const { runOrchestratorWorker } = await import('../workers/orchestrator.ts');
      await runOrchestratorWorker();
    });

  program
    .command('machines')
    .description('build machines')
    .command('list')
    .description('every machine tagship made that still exists, with its release and target')
    .action(async () => {
      const settings = parseSettings(process.env, DEFAULT_STATE_DIR);
      const provider =
        settings.provider === 'digitalocean' && settings.digitalocean
          ? new DigitalOceanMachines({ ...settings.digitalocean, defaultImage: settings.digitalocean.image, userData: () => '' })
          : new DockerMachines({ docker: new Docker() });
      const machines = await provider.list({});
      for (const m of machines) print(`${m.name}\t${m.state}\t${m.labels[MachineLabel.release] ?? '-'}\t${m.labels[MachineLabel.target] ?? '-'}\t${m.createdAt}`);
      if (!machines.length) print(`no tagship machines (${provider.kind})`);
    });
  return program;
}

export async function runCli(argv: string[], print: (line: string) => void = console.log, printErr: (line: string) => void = console.error): Promise<number> {
  try {
    await buildCli(print).parseAsync(argv, { from: 'user' });
    return Exit.ok;
  } catch (err) {
    if (err instanceof ExitError) {
      if (err.message) printErr(`error: ${err.message}`);
      return err.code;
    }
    if (err instanceof CommanderError) return err.exitCode === 0 ? Exit.ok : Exit.badInput;
    if (err instanceof InputError) {
      printErr(`error: ${err.message}`);
      return Exit.badInput;
    }
    printErr(`error: ${err instanceof Error ? err.message : String(err)}`);
    return Exit.failed;
  }
}
