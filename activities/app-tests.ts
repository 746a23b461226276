// A container app's unit tests (issue 12): the commit's source in a fresh container without
// network, the test command run there, and its JUnit and Cobertura reports read back — each a
// regular file of bounded size, since whatever the tests leave is hostile. Returns what was
// measured; the gates (core/qa/gates.ts) are decided by the workflow.
import { FailureType, nonRetryable } from '../core/failures.ts';
import { projectImageProblem } from '../core/dockerfile-policy.ts';
import { invalidInput } from './inputs.ts';
import { coverageSummary, junitSummary, ReportError, type CoverageSummary, type TestSummary } from '../core/qa/reports.ts';
import { MachineFileError, type MachineProvider, type MachineShell } from '../ports/machines.ts';
import type { SourceRef } from './source.ts';
import type { CommandResult } from './build.ts';
import { SOURCE_DIR, inScratchContainer, runCommands } from './build.ts';

/** A report larger than this is not a test report. */
export const MAX_REPORT_BYTES = 10 * 1024 * 1024;

/** One command of the app's (its lint, its tests) in a fresh container of the tests' image. */
export interface AppCommandInput {
  /** The container's name; derived from the CI run, so a retry replaces it. */
  machine: string;
  runId: string;
  /** Whose CI it is: an image built from a commit must be this project's. */
  project?: string;
  image: string;
  command: string;
  env: Record<string, string>;
  source: SourceRef;
  /** Outbound network (app.tests.network), through the egress proxy. */
  network?: boolean;
}

export interface AppTestsInput extends AppCommandInput {
  /** Report paths, relative to the project root (validated by the config schema). */
  junit: string;
  coverageReport: string;
}

export interface AppTestsResult {
  run: CommandResult;
  tests: TestSummary;
  coverage: CoverageSummary;
}

/** The tests' image is tagship's or built from this project's commits (activity input is not
 *  trusted: the engine also holds other projects' environments and app images). */
function requireProjectImage(input: AppCommandInput): void {
  const refused = projectImageProblem(input.image, input.project);
  if (refused) throw invalidInput('image', refused);
}

export function createAppTestActivities(deps: { provider: MachineProvider; shell: MachineShell }) {
  async function report<T>(machine: string, kind: string, path: string, read: (xml: string) => T, run: CommandResult): Promise<T> {
    try {
      return read((await deps.shell.readFile(machine, `${SOURCE_DIR}/${path}`, MAX_REPORT_BYTES)).toString('utf8'));
    } catch (err) {
      if (!(err instanceof MachineFileError || err instanceof ReportError)) throw err;
      const why = err instanceof MachineFileError ? err.message.replace(`${SOURCE_DIR}/`, '') : err.message;
      throw nonRetryable(FailureType.QaReportInvalid, `the ${kind} report ${path} cannot be used: ${why}. The test command exited with ${run.exitCode}; check it writes the report there\n--- last lines of output ---\n${run.outputTail}`);
    }
  }

  return {
    runAppCommand(input: AppCommandInput): Promise<CommandResult> {
      requireProjectImage(input);
      return inScratchContainer(deps.provider, { machine: input.machine, ownerId: input.runId, image: input.image, role: 'lint', ...(input.network ? { network: true } : {}) }, () => runCommands(deps.shell, input.machine, [input.command], input.env, input.source));
    },

    runAppTests(input: AppTestsInput): Promise<AppTestsResult> {
      requireProjectImage(input);
      return inScratchContainer(deps.provider, { machine: input.machine, ownerId: input.runId, image: input.image, role: 'unit-tests', ...(input.network ? { network: true } : {}) }, async () => {
        // Failing tests still leave their reports; the gates say what failed.
        const run = await runCommands(deps.shell, input.machine, [input.command], input.env, input.source);
        const tests = await report(input.machine, 'JUnit', input.junit, junitSummary, run);
        const coverage = await report(input.machine, 'coverage', input.coverageReport, coverageSummary, run);
        return { run, tests, coverage };
      });
    },
  };
}
