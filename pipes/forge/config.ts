// tagship.yml's `forge` block: a release on the project's forge (GitHub's releases API; GitHub
// Enterprise and compatible forges through the worker's TAGSHIP_FORGE_API_URL) for the tag, with
// notes and the release files as assets. The token is named, never given: a variable of the
// worker's environment with the project's prefix (core/config/project-env.ts).
import { z } from 'zod';

export const forgeConfig = z.strictObject({
  /** owner/name on the forge. */
  repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be owner/name, e.g. veilid/veilid'),
  /** env:<PROJECT>_…: the worker variable holding the token. */
  token: z.string().regex(/^env:[A-Z_][A-Z0-9_]*$/, 'must name a variable of the worker\'s environment, e.g. "env:HELLO_VEILID_GITHUB_TOKEN"'),
  /** Created as a draft, for a person to publish. */
  draft: z.boolean().default(false),
});

export type ForgeConfig = z.output<typeof forgeConfig>;
