// A container app's two pipes (issue 13): first, before anything else runs, the QA record of
// exactly the tagged commit (every gate passed, unexpired, its images still in the registry);
// last, the version tag by digest, the chart pinned to it and the QA report deployed. Nothing
// is rebuilt. Workflow code.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createAppReleaseActivities } from './activities/app-release.ts';
import type { createChartActivities } from './activities/app-chart.ts';
import type { createQaReportActivities } from './activities/qa-report.ts';
import type { SourceRef } from '../../core/source.ts';
import { shortHash } from '../../core/names.ts';
import type { AppConfig } from '../../core/config/app.ts';
import { FailureType, nonRetryable } from '../../core/failures.ts';
import { qaRecordProblem, requiredGates, type QaRecord } from '../../core/qa/record.ts';
import { buildThenDeploy } from '../../workflows/deploy.ts';
import { Profiles } from '../../workflows/profiles.ts';
import { workflowNow } from '../../workflows/clock.ts';
import type { AppReleased, ReleaseStage } from '../../workflows/types.ts';
import type { Pipe } from '../pipe.ts';
import { APP_FILES, QA_RECORD, type AppFiles } from './handoff.ts';

export const appQaCheck: Pipe = {
  name: 'qa-check',
  consumes: ['qa-report'],
  applies: (r) => r.config.app !== undefined,
  run: async (r) => {
    r.enter('qa-check', `the QA record of ${r.released.commit ?? 'a working tree'}`);
    r.handoff[QA_RECORD] = await checkAppRelease({ project: r.config.project, commit: r.released.commit, app: r.config.app! });
  },
};

export const appImage: Pipe = {
  name: 'image',
  consumes: ['image-index', 'chart'],
  irreversible: true,
  applies: (r) => r.config.app !== undefined && r.handoff[QA_RECORD] !== undefined,
  run: async (r) => {
    r.result.app = await tagAppRelease({
      project: r.config.project, tag: r.tag.tag, app: r.config.app!, version: r.tag.version,
      record: r.handoff[QA_RECORD] as QaRecord, source: r.source,
      ...(r.released.repository ? { repository: r.released.repository } : {}),
      files: (r.handoff[APP_FILES] as AppFiles | undefined) ?? [],
      enter: r.enter,
    });
  },
};

type AppReleaseActivities = ReturnType<typeof createAppReleaseActivities>;
type ChartActivities = ReturnType<typeof createChartActivities>;
type QaReportActivities = ReturnType<typeof createQaReportActivities>;

const { readQaRecord, missingImages } = proxyActivities<AppReleaseActivities>({ ...Profiles.inventory, summary: 'check the commit\'s QA record and images' });
const { tagAppVersion } = proxyActivities<AppReleaseActivities>({ ...Profiles.publish, summary: 'tag the image with the version' });
const { releaseChart } = proxyActivities<ChartActivities>({ ...Profiles.publish, summary: 'lint, package and push the Helm chart' });
const { stageQaReport } = proxyActivities<QaReportActivities>({ ...Profiles.repositories, summary: 'stage the QA report beside the repositories' });

/** The QA record this release may ship, or a refusal naming what is missing and the fix. */
export async function checkAppRelease(r: { project: string; commit: string | undefined; app: AppConfig }): Promise<QaRecord> {
  if (!r.commit) throw nonRetryable(FailureType.QaRecordRefused, 'a working-tree release has no commit, and a container app releases only a commit its CI passed; push a tag instead');
  const record = await readQaRecord({ project: r.project, commit: r.commit });
  const problem = qaRecordProblem(record, { project: r.project, commit: r.commit, gates: requiredGates(r.app) }, workflowNow());
  if (problem) throw nonRetryable(FailureType.QaRecordRefused, `nothing was pushed: ${problem}`);
  const images = record!.images!;
  if (!images.repository.endsWith(`/${r.app.image}`)) {
    throw nonRetryable(FailureType.QaRecordRefused, `the QA record of ${r.commit} holds ${images.repository}, but tagship.yml names the image ${r.app.image}; run \`tagship ci run ${r.commit} -p ${r.project} --again\``);
  }
  const missing = await missingImages({ image: r.app.image, digests: [images.index, ...Object.values(images.platforms)] });
  if (missing.length) throw nonRetryable(FailureType.ImageMissing, `nothing was pushed: the registry no longer has ${missing.join(', ')} of ${images.repository} (commit ${r.commit}); run \`tagship ci run ${r.commit} -p ${r.project} --again\``);
  return record!;
}

/** The version tag by digest, then the chart (when the app has one) pinned to the same digest,
 *  then the QA report deployed beside the package repositories (with the files other pipes
 *  added, such as Velocitas' deployment files). */
export async function tagAppRelease(r: { project: string; tag: string; app: AppConfig; version: string; record: QaRecord; source: SourceRef; repository?: string; files: AppFiles; enter: (stage: ReleaseStage, details: string) => void }): Promise<AppReleased> {
  const images = r.record.images!;
  r.enter('tagging', `${r.app.image}:${r.version}`);
  const tagged = await tagAppVersion({ image: r.app.image, version: r.version, index: images.index });
  const chart = r.app.chart ? await releaseChart({ source: r.source, path: r.app.chart.path, version: r.version, repository: images.repository, digest: images.index }) : undefined;
  const { workflowId, runId } = workflowInfo();
  const { built: staged, deployed } = await buildThenDeploy(
    r.project,
    () =>
      stageQaReport({
        stagingId: `${r.version}-qa-${shortHash(`${workflowId}/${runId}`)}`,
        ...(r.files.length ? { files: r.files } : {}),
        report: {
          project: r.project, version: r.version, tag: r.tag, record: r.record,
          image: { reference: tagged.reference, digest: tagged.digest, platforms: images.platforms },
          ...(chart ? { chart: { reference: chart.reference, version: chart.version, ...(chart.digest ? { digest: chart.digest } : {}) } } : {}),
          ...(r.repository ? { repository: r.repository } : {}),
        },
      }),
    { building: (again) => r.enter('deploying', again ? `another release deployed first: the QA report of ${r.version} again on its tree` : `the QA report of ${r.version}`) },
  );
  return {
    report: { path: staged.path, live: deployed.live },
    ...(chart ? { chart: { reference: chart.reference, version: chart.version, outcome: chart.outcome, ...(chart.digest ? { digest: chart.digest } : {}) } } : {}),
    reference: tagged.reference,
    digest: tagged.digest,
    platforms: images.platforms,
    versionTag: tagged.version,
    latest: tagged.latest,
    latestReason: tagged.latestReason,
    qa: { commit: r.record.commit, run: r.record.run, expiresAt: r.record.expiresAt },
  };
}
