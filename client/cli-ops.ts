// `tagship` commands for operators beyond single releases: search attributes, repositories,
// hooks, schedules, the codec endpoint, the worker, machines.
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { MachineLabel } from '../core/names.ts';
import { DEFAULT_RETENTION_DAYS } from '../core/retention.ts';
import { AesGcmCodec, parseCodecKeys } from '../providers/codec/aes-gcm.ts';
import { startCodecServer } from '../providers/codec/server.ts';
import { lsRemoteTag } from '../providers/git/mirror.ts';
import { readProjectsFile, ProjectsFileError, type Projects } from '../providers/projects/file.ts';
import { rollbackRepository } from './repo.ts';
import { startHookServer } from './hooks/server.ts';
import { ciStarterForHooks } from './ci.ts';
import { DeliveryLedger, StoreDeliveries } from './hooks/deliveries.ts';
import { S3ArtifactStore } from '../providers/artifacts-s3/store.ts';
import { GitMirrors } from '../providers/git/mirror.ts';
import { applySchedules, nightliesOf } from '../workers/schedules.ts';
import { startRelease } from './release.ts';
import { connectClient } from '../providers/temporal/connect.ts';
import { Exit, ExitError, type CliContext } from './cli-context.ts';
import { createLogger } from '../providers/log/logger.ts';
import { settingsSecrets } from '../core/settings.ts';
import { registerSearchAttributes } from './search-attributes.ts';
import { deploymentVersions, promoteBuild } from './deployment.ts';

function untilSignal(): Promise<void> {
  return new Promise<void>((r) => process.once('SIGTERM', r).once('SIGINT', r));
}

export function addOpsCommands(program: Command, ctx: CliContext): void {
  const { print } = ctx;
  const attributes = program.command('search-attributes').description("tagship's search attributes (TagshipProject, TagshipVersion, …) on the Temporal namespace");
  attributes
    .command('apply')
    .description('register the ones the namespace lacks (once per namespace; the embedded server has them)')
    .action(async () => {
      await ctx.withClient(async (client, s) => {
        const added = await registerSearchAttributes(client, s.namespace);
        print(added.length ? `registered ${added.join(', ')} in namespace ${s.namespace}` : `namespace ${s.namespace} has every tagship search attribute`);
      });
    });

  program
    .command('repo')
    .description('repositories')
    .command('rollback <project>')
    .description('serve the previous repository tree of <project> again')
    .action(async (project: string) => {
      await ctx.withClient(async (client, s) => {
        const r = await rollbackRepository(client, { project, taskQueue: s.taskQueue });
        print(`${project}: now serving ${r.live}`);
      });
    });

  program
    .command('hooks')
    .description("tag webhooks, and branch pushes and merge/pull requests for CI")
    .command('serve')
    .description('serve GitLab and GitHub tag hooks for the projects in the projects file')
    .option('-f, --projects <file>', 'the projects file: each project\'s repository and the environment variable holding its hook secret (default: $TAGSHIP_PROJECTS)')
    .option('--host <address>', 'address to listen on (loopback by default; put a TLS reverse proxy in front for forges)', '127.0.0.1')
    .option('--port <port>', 'port', '8380')
    .action(async (o: { projects?: string; host: string; port: string }) => {
      const settings = ctx.settings();
      const file = o.projects ?? settings.projectsFile;
      if (!file) throw new ExitError(Exit.badInput, 'no projects file: pass -f projects.yml or set TAGSHIP_PROJECTS');
      let projects: Projects;
      try {
        projects = readProjectsFile(file, process.env, { secret: true, credentials: true });
      } catch (err) {
        if (err instanceof ProjectsFileError) throw new ExitError(Exit.badInput, err.message);
        throw err;
      }
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ExitError(Exit.badInput, '--port must be a port number');
      const { client, close } = await connectClient(settings);
      const hookSecrets = projects.names().map((n) => projects.secretOf(n)!);
      const server = await startHookServer({
        log: createLogger({ level: settings.logLevel, secrets: [...settingsSecrets(settings), ...hookSecrets] }).child({ name: 'hooks' }),
        projects: Object.fromEntries(projects.names().map((n, i) => [n, { secret: hookSecrets[i]! }])),
        host: o.host,
        port,
        resolveTag: (project, tag) => lsRemoteTag(projects.get(project)!.repository, tag, projects.credentialsOf(project)),
        startRelease: async (project, tag, commit) => {
          const { handle, existing, status } = await startRelease(client, { project, tag, taskQueue: settings.taskQueue, fromHook: true, ...(commit ? { commit } : {}) });
          return { workflowId: handle.workflowId, existing, ...(status ? { status } : {}) };
        },
        // Branch pushes and merge/pull requests of container apps start CI.
        // Replicas behind one address share the ledger through the S3 store; one server keeps a file.
        deliveries: settings.s3 ? new StoreDeliveries(new S3ArtifactStore({ ...settings.s3, cacheDir: join(settings.stateDir, 'store-cache') })) : new DeliveryLedger(join(settings.stateDir, 'hook-deliveries')),
        startCi: ciStarterForHooks({ client, taskQueue: settings.taskQueue, projects, mirrors: new GitMirrors(join(settings.stateDir, 'mirrors')) }),
      });
      print(`tagship hooks on ${server.url} for ${projects.names().join(', ')}`);
      await untilSignal();
      await server.close();
      await close();
    });

  program
    .command('schedules')
    .description('Temporal Schedules')
    .command('apply')
    .description('create or update the daily artifact purge, the 15-minute machine reaper and the projects file\'s nightlies (idempotent)')
    .option('--retention-days <days>', 'days artifacts are kept unless a project says otherwise', String(DEFAULT_RETENTION_DAYS))
    .option('--dry-run', 'the purge only reports what it would delete')
    .action(async (o: { retentionDays: string; dryRun?: boolean }) => {
      const days = Number(o.retentionDays);
      if (!Number.isInteger(days) || days <= 0) throw new ExitError(Exit.badInput, '--retention-days must be a positive whole number');
      await ctx.withClient(async (client, s) => {
        const projects = s.projectsFile ? readProjectsFile(s.projectsFile, process.env) : undefined;
        for (const r of await applySchedules(client, { taskQueue: s.taskQueue, purge: { defaultDays: days, ...(o.dryRun ? { dryRun: true } : {}) }, nightlies: nightliesOf(projects) })) print(`${r.id}: ${r.outcome}`);
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
      const s = ctx.settings();
      const keys = parseCodecKeys(s.codecEnv);
      if (!keys) throw new ExitError(Exit.badInput, 'TAGSHIP_CODEC_KEYS is not set; the codec endpoint needs the same keys as the workers');
      const token = s.codecToken ?? randomBytes(24).toString('base64url');
      const server = await startCodecServer({ codec: new AesGcmCodec(keys), uiOrigin: o.uiOrigin, port: Number(o.port), token });
      // The token is the endpoint's only guard: printed for the operator who started it, never logged elsewhere.
      print(`codec endpoint for ${o.uiOrigin}; start the dev server with --ui-codec-endpoint ${server.url}/${token}`);
      if (!s.codecToken) print('(a new token for this run; set TAGSHIP_CODEC_TOKEN to keep one)');
      await untilSignal();
      await server.close();
    });

  program
    .command('worker')
    .description('run the orchestrator worker (workflows, activities, artifact gateway) until SIGTERM')
    .action(async () => {
      const { runOrchestratorWorker } = await import('../workers/orchestrator.ts');
      await runOrchestratorWorker();
    });

  const deployment = program.command('deployment').description('worker versioning: which build of the worker takes new releases (TAGSHIP_WORKER_DEPLOYMENT, TAGSHIP_WORKER_BUILD_ID)');
  const deploymentName = (s: { deployment?: { name: string } }, given?: string): string => {
    const name = given ?? s.deployment?.name;
    if (!name) throw new ExitError(Exit.badInput, 'name the deployment: --deployment <name> or TAGSHIP_WORKER_DEPLOYMENT');
    return name;
  };
  deployment
    .command('promote <buildId>')
    .description('new releases start on <buildId> (its worker must be polling); running ones finish on the build they started on')
    .option('--deployment <name>', 'the worker deployment (default: $TAGSHIP_WORKER_DEPLOYMENT)')
    .action(async (buildId: string, o: { deployment?: string }) => {
      await ctx.withClient(async (client, s) => {
        const name = deploymentName(s, o.deployment);
        const { previous } = await promoteBuild(client, s.namespace, name, buildId);
        print(`${name}: new releases start on ${buildId}${previous ? `; ${previous} keeps the releases pinned to it until they end (tagship deployment show)` : ''}`);
      });
    });
  deployment
    .command('show')
    .description("the deployment's builds: current, draining (releases still pinned to it) or drained (safe to stop)")
    .option('--deployment <name>', 'the worker deployment (default: $TAGSHIP_WORKER_DEPLOYMENT)')
    .action(async (o: { deployment?: string }) => {
      await ctx.withClient(async (client, s) => {
        const name = deploymentName(s, o.deployment);
        for (const v of await deploymentVersions(client, s.namespace, name)) print(`${v.buildId}\t${v.state}`);
      });
    });

  program
    .command('machines')
    .description('build machines')
    .command('list')
    .description('every machine tagship made that still exists, with its release and target')
    .action(async () => {
      const { inventoryProvider } = await import('../workers/deps.ts');
      const provider = inventoryProvider(ctx.settings());
      const machines = await provider.list({});
      for (const m of machines) print(`${m.name}\t${m.state}\t${m.labels[MachineLabel.release] ?? '-'}\t${m.labels[MachineLabel.target] ?? '-'}\t${m.createdAt}`);
      if (!machines.length) print(`no tagship machines (${provider.kind})`);
    });
}
