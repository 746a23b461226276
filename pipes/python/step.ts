// Publishes the release's Python package (its wheels, then its sdist) to the index the
// worker's environment names. Workflow code.
import { proxyActivities } from '@temporalio/workflow';
import { isDistOf } from './picks.ts';
import { Profiles } from '../../workflows/profiles.ts';
import type { createPythonActivities } from './activities.ts';
import { publisherPipe } from '../publish.ts';

const { publishPython } = proxyActivities<ReturnType<typeof createPythonActivities>>({ ...Profiles.publish, summary: 'publish to the registry' });

export const python = publisherPipe({
  name: 'python',
  label: 'Python package',
  consumes: ['wheel', 'sdist'],
  applies: (c) => !!c.publish?.python,
  kindHints: (c) => (c.publish?.python ? { pythonDistributions: [c.publish.python.package] } : {}),
  registry: (c) => c.publish!.python!.repository,
  picks: (c) => (a) => isDistOf(a, c.publish!.python!.package),
  send: (r, base) => publishPython({ ...base, repository: r.config.publish!.python!.repository, package: r.config.publish!.python!.package }),
});
