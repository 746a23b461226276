// A build environment in tagship.yml (machine.image, testGate.image, app.tests.image): a
// Dockerfile in the tagged commit, or Dockerfile lines written in tagship.yml itself. The
// environments pipe builds it (pipes/environments). Shapes only.
import { z } from 'zod';

/** A path inside the project: relative, no "..", plain characters (no glob). */
export const projectPath = z
  .string()
  .min(1, 'must not be empty')
  .regex(/^[A-Za-z0-9_.\-/]+$/, 'may hold only letters, digits and _ . - /; must be a path, not a glob')
  .refine((p) => !p.startsWith('/'), 'must be relative to the project root, not absolute')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".."');

/** A build environment from a Dockerfile in the tagged commit: tagship builds it (RUN lines get
 *  the network through tagship's egress proxy), keeps it by the content digest of the
 *  Dockerfile, its context and its base, and runs the builds inside it. */
const dockerfileEnvironment = z.strictObject({
  dockerfile: projectPath,
  context: projectPath.default('.'),
});

/** The same, written in tagship.yml: Dockerfile lines (RUN, ENV, WORKDIR, …) on top of
 *  tagship's machine image for the arch, with nothing of the repository in the context — for a
 *  project that keeps no Dockerfile of its own. */
const stepsEnvironment = z.strictObject({
  steps: z.array(z.string().trim().min(1, 'must not be empty').refine((l) => /^[A-Za-z]+(\s|$)/.test(l) && !/^from\s/i.test(l), 'must be a Dockerfile line such as "RUN apt-get install -y rustc-web" or "ENV PATH=…"; the base is tagship\'s machine image')).min(1, 'needs at least one line'),
});

export const environment = z.union([dockerfileEnvironment, stepsEnvironment]);

/** An image by name (tagship's own; on DigitalOcean a droplet image), or an environment. */
export const image = z.union([
  z.string().min(1).refine((i) => !i.startsWith('tagship-env/'), 'names an environment tagship built; name its Dockerfile instead: { dockerfile: path/to/Dockerfile }'),
  environment,
]);

export type EnvironmentConfig = z.output<typeof environment>;
