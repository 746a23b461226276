// `tagship ci` and `tagship qa`: run a container app's CI for a commit or branch by hand, and
// show a commit's QA record. Inputs are checked before anything starts (exit 2).
import type { Command } from 'commander';
import { WorkflowFailedError } from '@temporalio/client';
import { lsRemoteBranch } from '../providers/git/mirror.ts';
import { qaRecordsIn } from '../providers/signing/qa-records.ts';
import { qaStoreOf } from '../workers/stores.ts';
import { qaSummary } from '../core/qa/summary.ts';
import { storeNameProblem } from '../core/store-names.ts';
import { deepestCause } from '../core/causes.ts';
import type { QaRecord } from '../core/qa/record.ts';
import type { CiProgress } from '../workflows/ci.ts';
import { ciInputProblem, startCi } from './ci.ts';
import { Exit, ExitError, type CliContext } from './cli-context.ts';
import { projectOf, projectsOf, type SourceOpts } from './cli-release.ts';

const COMMIT = /^[0-9a-f]{40}$/;

export function addCiCommands(program: Command, ctx: CliContext): void {
  const { print } = ctx;
  const ci = program.command('ci').description('CI of container apps: one run per commit');
  ci.command('run <commit-or-branch>')
    .description('run CI for a commit (on --branch, main by default) or for the head of a branch')
    .option('-p, --project <name>', 'the project (default: the only one in the projects file)')
    .option('--projects <file>', 'the projects file (default: $TAGSHIP_PROJECTS)')
    .option('-b, --branch <name>', 'the branch the commit is on', 'main')
    .option('--again', 'run again even if this commit\'s CI already ran (hooks never do)')
    .option('--no-wait', 'start it and return')
    .action(async (what: string, o: SourceOpts & { branch: string; again?: boolean; wait: boolean }) => {
      const s = ctx.settings();
      const project = projectOf(s, o);
      const projects = projectsOf(s, o);
      const entry = projects?.get(project);
      if (!projects || !entry) throw new ExitError(Exit.badInput, `project ${project} is not in the projects file; set TAGSHIP_PROJECTS or pass --projects`);
      const branch = COMMIT.test(what) ? o.branch : what;
      let commit = what;
      if (!COMMIT.test(what)) {
        const ref = `refs/heads/${branch}`;
        const bad = ciInputProblem({ project, commit: '0'.repeat(40), ref });
        if (bad) throw new ExitError(Exit.badInput, `${what} is neither a full commit id nor a branch name (${bad.message})`);
        const head = await lsRemoteBranch(entry.repository, branch, projects.credentialsOf(project)).catch((err: Error) => {
          throw new ExitError(Exit.failed, `could not ask ${entry.repository} for branch ${branch}: ${err.message}`);
        });
        if (!head) throw new ExitError(Exit.badInput, `${entry.repository} has no branch ${branch}`);
        commit = head;
      }
      const ref = `refs/heads/${branch}`;
      const bad = ciInputProblem({ project, commit, ref });
      if (bad) throw new ExitError(Exit.badInput, bad.message);
      await ctx.withClient(async (client) => {
        const { handle, existing } = await startCi(client, { project, commit, ref, taskQueue: s.taskQueue, trigger: 'cli', ...(o.again ? { again: true } : {}) });
        print(`${existing ? 'found' : 'started'} ${handle.workflowId} for ${commit} (${branch})`);
        if (!o.wait) return;
        // A line per stage as the run enters it.
        let last = '';
        const poll = setInterval(() => {
          handle.query<CiProgress>('ciProgress').then((p) => {
            if (p.stage !== last) print(`  … ${(last = p.stage)}`);
          }, () => undefined);
        }, 1000);
        let record: QaRecord | undefined;
        try {
          record = await handle.result();
        } catch (err) {
          if (!(err instanceof WorkflowFailedError)) throw err;
          print(deepestCause(err).message);
          throw new ExitError(Exit.failed, `CI of ${commit.slice(0, 12)} failed; \`tagship qa show ${commit} -p ${project}\` shows its record`);
        } finally {
          clearInterval(poll);
        }
        for (const line of qaSummary(record, Date.now())) print(line);
      });
    });

  program
    .command('qa')
    .description('QA records of container apps')
    .command('show <commit>')
    .description('print the QA record of a commit: gates, image digests, scan findings, SBOMs')
    .option('-p, --project <name>', 'the project (default: the only one in the projects file)')
    .option('--projects <file>', 'the projects file (default: $TAGSHIP_PROJECTS)')
    .option('--json', 'the record as JSON')
    .action(async (commit: string, o: SourceOpts & { json?: boolean }) => {
      const s = ctx.settings();
      const project = projectOf(s, o);
      const bad = storeNameProblem('project', project) ?? storeNameProblem('commit', commit);
      if (bad) throw new ExitError(Exit.badInput, bad);
      const read = await qaRecordsIn(s.stateDir, qaStoreOf(s), s.provenanceKeyFile).read(project, commit);
      if (read && 'problem' in read) throw new ExitError(Exit.badInput, `${read.problem}; run \`tagship ci run ${commit} -p ${project} --again\``);
      const record = read?.record;
      if (!record) throw new ExitError(Exit.notFound, `no QA record of ${project} ${commit}; run \`tagship ci run ${commit} -p ${project}\``);
      if (o.json) print(JSON.stringify(record, null, 2));
      else for (const line of qaSummary(record, Date.now())) print(line);
    });
}
