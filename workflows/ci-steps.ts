// What CI does for a container app's commit, as a list of steps over the QA record it fills:
// unit tests and coverage → image per platform and the multi-arch index → scan of each image →
// integration tests. Each step says whether it applies and records its gates; a failed gate
// ends the walk (nothing is built from a commit whose tests fail). Adding a step is one entry.
// Workflow code: deterministic, side effects only through activities.
import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createAppTestActivities } from '../activities/app-tests.ts';
import type { createAppImageActivities, PlatformImage } from '../activities/app-image.ts';
import type { createScanActivities } from '../activities/scan.ts';
import type { createIntegrationActivities } from '../activities/integration.ts';
import type { createEnvironmentActivities } from '../pipes/environments/activities.ts';
import type { SourceRef } from '../core/source.ts';
import type { AppConfig } from '../core/config/app.ts';
import type { EnvironmentConfig } from '../core/config/environment.ts';
import { FailureType } from '../core/failures.ts';
import { coverageVerdict, scanVerdict, testsVerdict } from '../core/qa/gates.ts';
import type { GateName, GateOutcome, PlatformScan, QaRecord } from '../core/qa/record.ts';
import { defaultImage } from '../core/plan.ts';
import { shortHash } from '../core/names.ts';
import { Profiles, longCommand } from './profiles.ts';
import { workflowNowIso } from './clock.ts';

type AppTestActivities = ReturnType<typeof createAppTestActivities>;
type AppImageActivities = ReturnType<typeof createAppImageActivities>;
type ScanActivities = ReturnType<typeof createScanActivities>;
type IntegrationActivities = ReturnType<typeof createIntegrationActivities>;

const { buildAppImage, pushImageIndex } = proxyActivities<AppImageActivities>({ ...Profiles.imageBuild, summary: 'build and push the image' });
const { scanImage } = proxyActivities<ScanActivities>({ ...Profiles.scan, summary: 'scan the image' });

export type CiStage = 'loading' | 'lint' | 'tests' | 'image' | 'scan' | 'integration' | 'recording' | 'passed' | 'failed' | 'cancelled';

/** What the steps share: the commit's app config and source, and the record they fill. */
export interface CiRun {
  project: string;
  commit: string;
  app: AppConfig;
  source: SourceRef;
  repository: string;
  record: QaRecord;
  /** Filled by the image step, read by the scan and integration steps. */
  images?: PlatformImage[];
  /** The tests' image, once resolved (testImageOf). */
  testImage?: string;
  enter: (stage: CiStage, details: string) => void;
}

export interface CiStep {
  stage: CiStage;
  gates: GateName[];
  applies(r: CiRun): boolean;
  run(r: CiRun): Promise<void>;
}

function gate(r: CiRun, name: GateName, outcome: GateOutcome): void {
  r.record.gates[name] = outcome;
}

/** A failure that is the gate's verdict (a broken Dockerfile, a missing report, a scanner that
 *  cannot scan) becomes the gate's outcome; anything else is not about the commit and is thrown. */
async function asGate(r: CiRun, name: GateName, types: string[], fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const cause = err instanceof ApplicationFailure ? err : (err as { cause?: unknown }).cause;
    if (cause instanceof ApplicationFailure && cause.type && types.includes(cause.type)) gate(r, name, { passed: false, message: cause.message });
    else throw err;
  }
}

type EnvironmentActivities = ReturnType<typeof createEnvironmentActivities>;

/** The image the lint and the tests run in: tagship's, or the one the app defines (built from
 *  the commit by the environments activity, once per CI run and once per content). */
async function testImageOf(r: CiRun): Promise<string> {
  if (r.testImage) return r.testImage;
  const img = r.app.tests.image;
  if (img === undefined || typeof img === 'string') return (r.testImage = img ?? defaultImage('amd64'));
  const built = await builtFromCommit(r, img, "build the tests' image");
  r.record.testImage = built;
  return (r.testImage = built.image);
}

/** An image the app defines in the commit (a Dockerfile or steps), built on the host's platform
 *  by the environments activity — once per content, reused by later runs. */
async function builtFromCommit(r: CiRun, img: EnvironmentConfig, summary: string): Promise<{ image: string; imageId: string }> {
  const { buildEnvironment } = proxyActivities<EnvironmentActivities>({ ...Profiles.imageBuild, summary });
  const built = await buildEnvironment({ project: r.project, environment: { ...img, arch: 'amd64' }, source: r.source, commit: r.commit });
  return { image: built.image, imageId: built.imageId };
}

export const CI_STEPS: CiStep[] = [
  {
    stage: 'lint',
    gates: ['lint'],
    applies: (r) => !!r.app.lint,
    async run(r) {
      const lint = r.app.lint!;
      const { workflowId, runId } = workflowInfo();
      const { runAppCommand } = proxyActivities<AppTestActivities>({ ...longCommand(lint.timeoutMinutes), summary: 'lint' });
      await asGate(r, 'lint', [FailureType.ImageBuildFailed], async () => {
        const run = await runAppCommand({ machine: `tagship-lint-${shortHash(`${workflowId}/${runId}`)}`, runId: workflowId, project: r.project, image: await testImageOf(r), command: lint.command, env: {}, source: r.source, ...(r.app.tests.network ? { network: true } : {}) });
        r.record.lint = { command: lint.command, exitCode: run.exitCode, outputTail: run.outputTail };
        gate(r, 'lint', run.exitCode === 0 ? { passed: true, message: `\`${lint.command}\` passed` } : { passed: false, message: `\`${lint.command}\` exited with ${run.exitCode}\n--- last lines of output ---\n${run.outputTail}` });
      });
    },
  },
  {
    stage: 'tests',
    gates: ['tests', 'coverage'],
    applies: () => true,
    async run(r) {
      const { workflowId, runId } = workflowInfo();
      const { runAppTests } = proxyActivities<AppTestActivities>({ ...longCommand(r.app.tests.timeoutMinutes), summary: 'unit tests and coverage' });
      await asGate(r, 'tests', [FailureType.QaReportInvalid, FailureType.ImageBuildFailed], async () => {
        const t = await runAppTests({
          machine: `tagship-ut-${shortHash(`${workflowId}/${runId}`)}`,
          runId: workflowId,
          project: r.project,
          image: await testImageOf(r),
          ...(r.app.tests.network ? { network: true } : {}),
          command: r.app.tests.command,
          env: {},
          source: r.source,
          junit: r.app.tests.junit,
          coverageReport: r.app.tests.coverage.report,
        });
        r.record.tests = t.tests;
        r.record.coverage = { ...t.coverage, minimum: r.app.tests.coverage.minimum, ...(r.app.tests.coverage.branchMinimum !== undefined ? { branchMinimum: r.app.tests.coverage.branchMinimum } : {}) };
        const tests = testsVerdict(t.tests);
        gate(r, 'tests', t.run.exitCode !== 0 && tests.passed ? { passed: false, message: `the test command exited with ${t.run.exitCode} though its report shows no failure\n${t.run.outputTail}` } : tests);
        gate(r, 'coverage', coverageVerdict(t.coverage, r.app.tests.coverage.minimum, r.app.tests.coverage.branchMinimum));
      });
    },
  },
  {
    stage: 'image',
    gates: ['image'],
    applies: () => true,
    async run(r) {
      await asGate(r, 'image', [FailureType.ImageBuildFailed], async () => {
        const createdAt = workflowNowIso();
        const images = await Promise.all(
          r.app.platforms.map((arch) =>
            buildAppImage({ project: r.project, commit: r.commit, image: r.app.image, dockerfile: r.app.dockerfile, context: r.app.context, arch, network: r.app.network, source: r.source, repositoryUrl: r.repository, createdAt }),
          ),
        );
        const index = await pushImageIndex({ image: r.app.image, commit: r.commit, platforms: images });
        r.images = images;
        r.record.images = { repository: index.repository, index: index.digest, platforms: Object.fromEntries(images.map((i) => [i.arch, i.digest])) };
        gate(r, 'image', { passed: true, message: `${index.reference} (${index.digest}): ${images.map((i) => `${i.arch}${i.reused ? ' (built before)' : ''}`).join(', ')}` });
      });
    },
  },
  {
    stage: 'scan',
    gates: ['scan'],
    applies: (r) => !!r.images,
    async run(r) {
      const today = workflowNowIso().slice(0, 10);
      const { failOn, allow } = r.app.scan;
      await asGate(r, 'scan', [FailureType.ScanFailed], async () => {
        const scans = await Promise.all(r.images!.map((i) => scanImage({ project: r.project, commit: r.commit, arch: i.arch, repository: r.record.images!.repository, digest: i.digest })));
        const per: Record<string, PlatformScan> = {};
        const messages: string[] = [];
        let passed = true;
        for (const s of scans) {
          const v = scanVerdict(s.findings, failOn, allow, today);
          per[s.arch] = { failOn, findings: s.findings.length, failing: v.failing, allowed: v.allowed, sbom: { ...s.sbom, format: 'CycloneDX' }, packages: s.packages, databaseUpdatedAt: s.databaseUpdatedAt };
          passed &&= v.passed;
          messages.push(`${s.arch}: ${v.message}`);
        }
        r.record.scan = per;
        gate(r, 'scan', { passed, message: messages.join('; ') });
      });
    },
  },
  {
    stage: 'integration',
    gates: ['integration'],
    applies: (r) => !!r.app.integration && !!r.images,
    async run(r) {
      const it = r.app.integration!;
      // The host runs amd64 natively; another platform's image runs under emulation.
      const image = r.images!.find((i) => i.arch === 'amd64') ?? r.images![0]!;
      const { runIntegration } = proxyActivities<IntegrationActivities>({ ...longCommand(it.timeoutMinutes), summary: 'integration tests' });
      // Services the app builds from the commit (a data broker from source, …), before any starts.
      const serviceImages: Record<string, { image: string; imageId: string }> = {};
      for (const s of it.services) if (typeof s.image !== 'string') serviceImages[s.name] = await builtFromCommit(r, s.image, `build the ${s.name} service's image`);
      if (Object.keys(serviceImages).length) r.record.serviceImages = serviceImages;
      const result = await runIntegration({
        runId: workflowInfo().workflowId,
        project: r.project,
        appImage: `${r.record.images!.repository}@${image.digest}`,
        services: it.services.map((s) => ({ name: s.name, image: typeof s.image === 'string' ? s.image : serviceImages[s.name]!.image, ...(s.command ? { command: s.command } : {}), ...(s.env ? { env: s.env } : {}), ...(s.aliases ? { aliases: s.aliases } : {}) })),
        command: it.command,
        runnerImage: await testImageOf(r),
        env: {},
        source: r.source,
        ...(it.env ? { appEnv: it.env } : {}),
      });
      r.record.integration = { exitCode: result.run.exitCode, outputTail: result.run.outputTail, ...(result.appLog !== undefined ? { appLog: result.appLog } : {}), ...(result.appExited !== undefined ? { appExited: result.appExited } : {}) };
      const logs = Object.entries(result.serviceLogs ?? {}).map(([name, text]) => `--- ${name} ---\n${text}`).join('\n');
      const appLog = result.appLog ? `\n--- app ---\n${result.appLog}` : '';
      const names = ['app', ...it.services.flatMap((s) => [s.name, ...(s.aliases ?? [])])].join(', ');
      gate(r, 'integration', result.run.exitCode !== 0
        ? { passed: false, message: `\`${it.command}\` exited with ${result.run.exitCode}\n--- last lines of output ---\n${result.run.outputTail}${logs ? `\n${logs}` : ''}${appLog}` }
        : result.appExited !== undefined
          ? { passed: false, message: `the app exited with ${result.appExited} before \`${it.command}\` ended: an app that stops is not a passing app${appLog}${logs ? `\n${logs}` : ''}` }
          : { passed: true, message: `\`${it.command}\` passed against ${names}` });
    },
  },
];
