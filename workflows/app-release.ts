// A container app's part of a release (issue 13), in two steps the release workflow runs: before
// anything else, the QA record of exactly the tagged commit must exist, be unexpired and show
// every gate passed, and the registry must still hold its images; at the end, the version tag
// (and `latest`, when the version is the highest stable one) is written by digest. Nothing is
// rebuilt. Workflow code: deterministic, side effects only through activities.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createAppReleaseActivities } from '../activities/app-release.ts';
import type { createChartActivities } from '../activities/app-chart.ts';
import type { SourceRef } from '../core/source.ts';
import type { createQaReportActivities } from '../activities/qa-report.ts';
import { shortHash } from '../core/names.ts';
import { buildThenDeploy } from './deploy.ts';
import type { AppConfig } from '../core/config/app.ts';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { qaRecordProblem, requiredGates, type QaRecord } from '../core/qa/record.ts';
import { Profiles } from './profiles.ts';
import { workflowNow } from './clock.ts';
import type { AppReleased, ReleaseStage } from './types.ts';

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
 *  then the QA report deployed beside the package repositories. */
export async function tagAppRelease(r: { project: string; tag: string; app: AppConfig; version: string; record: QaRecord; source: SourceRef; repository?: string; enter: (stage: ReleaseStage, details: string) => void }): Promise<AppReleased> {
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
