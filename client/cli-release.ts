// `tagship release …`: start, retry, follow, inspect and cancel releases. Every input is
// checked before anything connects: a bad tag, projects file, tag signature or tagship.yml is
// exit 2 with nothing started.
import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { release as releaseWorkflow } from '../workflows/release.ts';
import { parseReleaseTag } from '../core/tag.ts';
import { releaseWorkflowId } from '../core/names.ts';
import { SA } from '../core/search-attributes.ts';
import type { Settings } from '../core/settings.ts';
import { readProjectsFile, ProjectsFileError, type Projects } from '../providers/projects/file.ts';
import { NothingToRetryError, retryRelease, startNightly, startRelease } from './release.ts';
import { checkTagForRelease } from './tag-check.ts';
import { readProjectConfig } from '../activities/source.ts';
import { unknownTargetsProblem } from '../core/plan.ts';
import { renderProgress } from './progress.ts';
import { renderSummary } from './summary.ts';
import { releaseTimelineSvg } from './timeline.ts';
import { failureReport } from './failure-report.ts';
import { Exit, ExitError, type CliContext } from './cli-context.ts';
import type { ReleaseProgress, ReleaseResult } from '../workflows/types.ts';

export interface SourceOpts {
  project?: string;
  fromDir?: string;
  projects?: string;
}

export function projectsOf(s: Settings, o: SourceOpts): Projects | undefined {
  const file = o.projects ?? s.projectsFile;
  if (!file) return undefined;
  try {
    return readProjectsFile(file, process.env, { credentials: true });
  } catch (err) {
    if (err instanceof ProjectsFileError) throw new ExitError(Exit.badInput, err.message);
    throw err;
  }
}

/** -p, else the working tree's tagship.yml, else the projects file's only project. */
export function projectOf(s: Settings, o: SourceOpts): string {
  if (o.project) return o.project;
  if (o.fromDir) {
    const doc = parseYaml(readFileSync(resolve(o.fromDir, 'tagship.yml'), 'utf8')) as { project?: string } | null;
    if (!doc?.project) throw new ExitError(Exit.badInput, `--project was not given and ${resolve(o.fromDir, 'tagship.yml')} names none`);
    return doc.project;
  }
  const names = projectsOf(s, o)?.names() ?? [];
  if (names.length === 1) return names[0]!;
  throw new ExitError(Exit.badInput, `--project is required${names.length ? ` (the projects file names ${names.join(', ')})` : ''}`);
}

/** Waits for a release and prints how it ended: its summary, or where it broke with the
 *  command's last output (exit 1). */
async function printOutcome(handle: WorkflowHandle<typeof releaseWorkflow>, what: string, print: (line: string) => void): Promise<void> {
  const failure = await handle.result().then(() => null, (err: unknown) => failureReport(err));
  if (failure) {
    for (const line of [`${what} did not complete: ${failure[0]}`, ...failure.slice(1)]) print(line);
    throw new ExitError(Exit.failed, '');
  }
  const d = await handle.describe();
  for (const line of renderSummary(handle.workflowId, await handle.result(), { startTime: d.startTime, ...(d.closeTime ? { closeTime: d.closeTime } : {}) })) print(line);
}

/** When the first run of a release (retries are further runs of the same workflow id) started. */
async function firstRunStart(client: Client, workflowId: string): Promise<Date | undefined> {
  let first: Date | undefined;
  for await (const run of client.workflow.list({ query: `WorkflowId = ${JSON.stringify(workflowId)}` })) if (!first || run.startTime < first) first = run.startTime;
  return first;
}

function checkedTag(tag: string): void {
  const t = parseReleaseTag(tag);
  if (!t.ok) throw new ExitError(Exit.badInput, `tag: "${tag}" was rejected: ${t.reason}`);
}

async function describeRelease(client: Client, project: string, tag: string, dryRun = false) {
  const handle = client.workflow.getHandle(releaseWorkflowId(project, tag, dryRun));
  try {
    return { handle, description: await handle.describe() };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ExitError(Exit.notFound, `no ${dryRun ? 'dry run of the release' : 'release'} of ${project} ${tag}`);
    throw err;
  }
}

const withSource = (c: Command) =>
  c
    .option('-p, --project <name>', 'project (default: the only one in the projects file, or the working tree\'s)')
    .option('--projects <file>', 'the projects file (default: $TAGSHIP_PROJECTS)')
    .option('--from-dir <dir>', 'release a working tree instead of the repository: local experiments only, marked unreproducible');

export function addReleaseCommands(program: Command, ctx: CliContext): void {
  const { print } = ctx;
  const release = program.command('release').description('start, follow and inspect releases');

  withSource(release.command('start <tag>').description('release the commit <tag> names in the project\'s repository (finds the release if it already runs or ran)'))
    .option('-t, --targets <names>', 'comma-separated targets to build (default: all)')
    .option('--commit <sha>', 'the commit the tag must name (default: whatever it names now)')
    .option('--dry-run', 'build, check and sign everything and stage the repositories; publish and deploy nothing; waits and prints what it would have published')
    .action(async (tag: string, o: SourceOpts & { targets?: string; commit?: string; dryRun?: boolean }) => {
      const s = ctx.settings();
      checkedTag(tag);
      const project = projectOf(s, o);
      const targets = o.targets ? o.targets.split(',') : undefined;
      let commit: string | undefined;
      if (o.fromDir !== undefined) {
        const cfg = await readProjectConfig(resolve(o.fromDir), project);
        if (!cfg.ok) throw new ExitError(Exit.badInput, `tagship.yml: ${cfg.message}`);
        const unknown = unknownTargetsProblem(cfg.config, targets ?? []);
        if (unknown) throw new ExitError(Exit.badInput, `--targets: ${unknown}`);
      } else {
        const projects = projectsOf(s, o);
        if (!projects) throw new ExitError(Exit.badInput, 'no projects file: set TAGSHIP_PROJECTS or pass --projects (or --from-dir DIR for a local experiment)');
        commit = (await checkTagForRelease({ stateDir: s.stateDir, projects, project, tag, ...(o.commit ? { commit: o.commit } : {}), ...(targets ? { targets } : {}) })).commit;
      }
      await ctx.withClient(async (client) => {
        const { handle, existing } = await startRelease(client, {
          project, tag, taskQueue: s.taskQueue,
          ...(o.fromDir !== undefined ? { projectDir: resolve(o.fromDir) } : {}),
          ...(commit ? { commit } : {}),
          ...(targets ? { targets } : {}),
          ...(o.dryRun ? { dryRun: true } : {}),
        });
        print(`${existing ? 'found' : 'started'} ${handle.workflowId} ${commit ? `at commit ${commit}` : `from the working tree ${resolve(o.fromDir!)} (UNREPRODUCIBLE)`}`);
        if (!o.dryRun) return;
        await printOutcome(handle, 'dry run', print);
      });
    });

  withSource(release.command('nightly').description('build the head of a branch as <next>-nightly.<time>.g<sha7>: deployed to the nightly suites, published nowhere; waits and prints the summary'))
    .option('-b, --branch <name>', 'the branch', 'main')
    .action(async (o: SourceOpts & { branch: string }) => {
      const s = ctx.settings();
      const project = projectOf(s, o);
      const projects = projectsOf(s, o);
      const entry = projects?.get(project);
      if (!projects || !entry) throw new ExitError(Exit.badInput, `project ${project} is not in the projects file (TAGSHIP_PROJECTS or --projects): a nightly builds a branch of its repository`);
      await ctx.withClient(async (client) => {
        const credentials = projects.credentialsOf(project);
        const { handle, version, commit } = await startNightly(client, { project, branch: o.branch, taskQueue: s.taskQueue, repository: entry.repository, ...(credentials ? { credentials } : {}) });
        print(`started ${handle.workflowId}: ${version} from ${o.branch} at commit ${commit}`);
        await printOutcome(handle, 'nightly', print);
      });
    });

  withSource(release.command('retry <tag>').description('run a failed or cancelled release again, at the same commit; the test gate, targets and publishes earlier runs finished are kept'))
    .option('-t, --targets <names>', 'comma-separated targets (default: those the failed run was asked for)')
    .action(async (tag: string, o: SourceOpts & { targets?: string }) => {
      const s = ctx.settings();
      checkedTag(tag);
      const project = projectOf(s, o);
      await ctx.withClient(async (client) => {
        try {
          const r = await retryRelease(client, { project, tag, taskQueue: s.taskQueue, ...(o.fromDir !== undefined ? { projectDir: resolve(o.fromDir) } : {}), ...(o.targets ? { targets: o.targets.split(',') } : {}) });
          print(`retrying ${r.handle.workflowId} after its ${r.previousStatus.toLowerCase().replace('_', ' ')} run ${r.previousRunId}`);
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) throw new ExitError(Exit.notFound, `no release of ${project} ${tag} to retry; start it with \`tagship release start ${tag}\``);
          if (err instanceof NothingToRetryError && err.status === 'RUNNING') throw new ExitError(Exit.running, err.message);
          if (err instanceof NothingToRetryError) return print(err.message);
          throw err;
        }
      });
    });

  /** A command about one existing release: checks the tag and finds the release (exit 3 if none). */
  const onRelease = (fn: (client: Client, found: Awaited<ReturnType<typeof describeRelease>>) => Promise<void>) => async (tag: string, o: SourceOpts & { dryRun?: boolean }) => {
    const s = ctx.settings();
    checkedTag(tag);
    const project = projectOf(s, o);
    await ctx.withClient(async (client) => fn(client, await describeRelease(client, project, tag, o.dryRun)));
  };

  withSource(release.command('status <tag>').description('where the release is, or how it ended: version, commit, duration, targets, publishes, repositories (exit 0 done, 1 failed, 4 running)'))
    .option('--dry-run', 'the dry run of the release instead (release start --dry-run)')
    .action(
    onRelease(async (client, { handle, description }) => {
      const status = description.status.name;
      const commit = description.typedSearchAttributes.get(SA.commit);
      if (status === 'RUNNING') {
        const p = await handle.query<ReleaseProgress>('progress');
        print(`${handle.workflowId}: running, stage ${p.stage}; ${Object.entries(p.targets).map(([t, st]) => `${t} ${st}`).join(', ') || 'no targets yet'}${commit ? `; commit ${commit}` : ''}`);
        throw new ExitError(Exit.running, '');
      }
      if (status === 'COMPLETED') {
        const result = (await handle.result()) as ReleaseResult;
        const firstStart = result.resumed ? await firstRunStart(client, handle.workflowId) : undefined;
        for (const line of renderSummary(handle.workflowId, result, { startTime: description.startTime, ...(description.closeTime ? { closeTime: description.closeTime } : {}), ...(firstStart ? { firstStart } : {}) })) print(line);
        return;
      }
      const reason = await handle.result().then(() => [] as string[], (err: unknown) => failureReport(err));
      print(`${handle.workflowId}: ${status.toLowerCase()}${reason[0] ? ` — ${reason[0]}` : ''}${commit ? ` (commit ${commit})` : ''}`);
      for (const line of reason.slice(1)) print(line);
      throw new ExitError(Exit.failed, '');
    }),
  );

  withSource(release.command('watch <tag>').description('follow a release live until it ends, with a bar per target')).action(
    onRelease(async (_client, { handle }) => {
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
      const failure = await handle.result().then(() => null, (err: unknown) => failureReport(err));
      if (!failure) return print('release completed');
      print(`release did not complete: ${failure[0]}`);
      for (const line of failure.slice(1)) print(line);
      throw new ExitError(Exit.failed, '');
    }),
  );

  withSource(release.command('timeline <tag>').description('write a picture of where the release\'s time went: a row per step and per machine (SVG)'))
    .option('-o, --out <file>', 'where to write it (default: <project>-<tag>-timeline.svg here)')
    .action(
      async (tag: string, o: SourceOpts & { out?: string }) => {
        const s = ctx.settings();
        checkedTag(tag);
        const project = projectOf(s, o);
        await ctx.withClient(async (client) => {
          const { handle } = await describeRelease(client, project, tag);
          const file = resolve(o.out ?? `${project}-${tag}-timeline.svg`);
          writeFileSync(file, await releaseTimelineSvg(client, handle.workflowId));
          print(`timeline of ${handle.workflowId}: ${file}`);
        });
      },
    );

  withSource(release.command('cancel <tag>').description('cancel a running release; its machines are deleted')).action(
    onRelease(async (_client, { handle, description }) => {
      if (description.status.name !== 'RUNNING') throw new ExitError(Exit.failed, `${handle.workflowId} is not running (${description.status.name.toLowerCase()})`);
      await handle.cancel();
      print(`cancellation requested for ${handle.workflowId}`);
    }),
  );

  release
    .command('list')
    .description('releases, newest first, filtered by the search attributes: id, status, stage, commit, start time')
    .option('-p, --project <name>')
    .option('-v, --version <version>')
    .option('-c, --commit <sha>', 'releases of this commit (full id)')
    .option('-s, --status <status>', 'running | completed | failed | canceled | terminated')
    .action(async (o: { project?: string; version?: string; commit?: string; status?: string }) => {
      const clauses = ["WorkflowType = 'release'"];
      for (const [key, value, flag] of [[SA.project.name, o.project, 'project'], [SA.version.name, o.version, 'version'], [SA.commit.name, o.commit, 'commit']] as const) {
        if (value !== undefined) {
          if (!/^[A-Za-z0-9._-]+$/.test(value)) throw new ExitError(Exit.badInput, `--${flag} may hold only letters, digits, ".", "_" and "-"`);
          clauses.push(`${key} = '${value}'`);
        }
      }
      if (o.status) {
        const map: Record<string, string> = { running: 'Running', completed: 'Completed', failed: 'Failed', canceled: 'Canceled', cancelled: 'Canceled', terminated: 'Terminated' };
        const st = map[o.status];
        if (!st) throw new ExitError(Exit.badInput, `--status must be one of ${Object.keys(map).join(', ')}`);
        clauses.push(`ExecutionStatus = '${st}'`);
      }
      await ctx.withClient(async (client) => {
        for await (const w of client.workflow.list({ query: clauses.join(' AND ') })) {
          const commit = w.typedSearchAttributes.get(SA.commit);
          print(`${w.workflowId}\t${w.status.name.toLowerCase()}\t${w.typedSearchAttributes.get(SA.stage) ?? ''}\t${commit ? commit.slice(0, 12) : '-'}\t${w.startTime.toISOString()}`);
        }
      });
    });
}
