// The forge release of the tag (GitHub's releases API): notes and the release files as assets,
// after the repositories are deployed. Irreversible like every publisher: a retry asks its record
// first, and the activity itself uploads nothing twice. Workflow code.
import { proxyActivities } from '@temporalio/workflow';
import { Profiles } from '../../workflows/profiles.ts';
import type { createForgeActivities } from './activities.ts';
import { isForgeAsset } from './picks.ts';
import { publisherPipe } from '../publish.ts';

const { publishForge } = proxyActivities<ReturnType<typeof createForgeActivities>>({ ...Profiles.publish, summary: 'release on the forge' });

export const forge = publisherPipe({
  name: 'forge',
  label: 'forge release',
  consumes: ['archive', 'sbom', 'signature', 'checksums'],
  applies: (c) => !!c.forge,
  registry: (c) => c.forge!.repository,
  picks: () => isForgeAsset,
  send: (r, base) =>
    publishForge({
      ...base,
      repository: r.config.forge!.repository,
      token: r.config.forge!.token,
      tag: r.tag.tag,
      tagPrefix: r.config.tag.prefix,
      ...(r.released.commit ? { commit: r.released.commit } : {}),
      draft: r.config.forge!.draft,
      prerelease: r.tag.channel === 'prerelease',
    }),
});
