// Publishes the release's Rust crates, in tagship.yml's dependency order
// (`publish.crates.order`), to the registry the worker's environment names. Workflow code.
import { proxyActivities } from '@temporalio/workflow';
import { kindOf } from '../../core/artifact-kinds.ts';
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
  picks: (c, version) => (a) => {
    const { kind, facts } = kindOf(a);
    return kind === 'crate' && facts.version === version && c.publish!.crates!.order.includes(facts.name!);
  },
  send: (r, base) => publishCrates({ ...base, registry: r.config.publish!.crates!.registry, order: r.config.publish!.crates!.order }),
});
