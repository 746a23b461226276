// The `velocitas` pipe (issue 24): a Velocitas app's AppManifest and the desired state of the
// image this release tags, signed, handed to the image pipe, which deploys them beside the QA
// report. It runs after the QA check and before anything is pushed. Workflow code.
import { proxyActivities } from '@temporalio/workflow';
import { Profiles } from '../../workflows/profiles.ts';
import type { QaRecord } from '../../core/qa/record.ts';
import type { createVelocitasActivities } from './activities.ts';
import { APP_FILES, QA_RECORD, type AppFiles } from '../app/handoff.ts';
import type { Pipe } from '../pipe.ts';

const { velocitasManifests } = proxyActivities<ReturnType<typeof createVelocitasActivities>>({ ...Profiles.inventory, summary: 'write the Velocitas AppManifest and desired state' });

export const velocitas: Pipe = {
  name: 'velocitas',
  produces: ['deployment-manifest'],
  applies: (r) => r.config.app?.velocitas !== undefined && r.handoff[QA_RECORD] !== undefined,
  run: async (r) => {
    const images = (r.handoff[QA_RECORD] as QaRecord).images!;
    r.enter('qa-check', `the Velocitas desired state of ${r.config.app!.image}:${r.tag.version}`);
    const made = await velocitasManifests({
      project: r.config.project, version: r.tag.version, ...(r.released.commit ? { commit: r.released.commit } : {}),
      source: r.source, appManifest: r.config.app!.velocitas!.appManifest,
      image: { repository: images.repository, digest: images.index },
    });
    const files = (r.handoff[APP_FILES] as AppFiles | undefined) ?? [];
    r.handoff[APP_FILES] = [...files, ...made.files];
    r.result.velocitas = { appName: made.appName, desiredState: made.desiredState, files: made.files.map((f) => f.name) };
  },
};
