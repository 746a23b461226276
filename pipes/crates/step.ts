// Publishes the release's Rust crates, in tagship.yml's dependency order
// (`publish.crates.order`), to the registry the worker's environment names. Workflow code.
import { proxyActivities } from '@temporalio/workflow';
import { isCrateOf } from './picks.ts';
import { Profiles } from '../../workflows/profiles.ts';
import type { createCratesActivities } from './activities.ts';
import { publisherPipe } from '../publish.ts';

const { publishCrates } = proxyActivities<ReturnType<typeof createCratesActivities>>({ ...Profiles.publish, summary: 'publish to the registry' });

export const crates = publisherPipe({
  name: 'crates',
  label: 'crates',
  consumes: ['crate'],
  applies: (c) => !!c.publish?.crates,
  registry: (c) => c.publish!.crates!.registry,
  picks: (c, version) => (a) => isCrateOf(a, c.publish!.crates!.order, version),
  send: (r, base) => publishCrates({ ...base, registry: r.config.publish!.crates!.registry, order: r.config.publish!.crates!.order }),
});
