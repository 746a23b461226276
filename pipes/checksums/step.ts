// SHA256SUMS over every released file, signed with the project's key, served with the files
// under <repository>/<project>/releases/<version>/ (archives are served only this way) and
// listed in the provenance. Runs when tagship.yml has a `checksums` block or the release has
// archive artifacts; patched in, so releases that started before it replay without it.
// Workflow code.
import { patched, proxyActivities } from '@temporalio/workflow';
import { kindOf } from '../../core/artifact-kinds.ts';
import { Profiles } from '../../workflows/profiles.ts';
import type { createChecksumsActivities, WriteChecksumsInput } from './activities.ts';
import type { SigningKeyRef } from '../../activities/signing.ts';
import { planOf, type Pipe, type ReleaseRun } from '../pipe.ts';
import { recordedArtifacts } from '../artifacts.ts';
import { CHECKSUMS_HANDOFF, SUMS_FILE } from './handoff.ts';

const { writeChecksums } = proxyActivities<ReturnType<typeof createChecksumsActivities>>({ ...Profiles.provenance, summary: 'write and sign SHA256SUMS' });

function hasArchives(r: ReleaseRun): boolean {
  const hints = r.plan?.kindHints ?? {};
  return r.targets.some((t) => t.manifest.artifacts.some((a) => kindOf(a, hints).kind === 'archive'));
}

/** The key for SHA256SUMS.asc: its own, else the deb repository's, else the rpm repository's. */
function signingKeyOf(r: ReleaseRun): WriteChecksumsInput['signingKey'] {
  const c = r.config;
  if (c.checksums?.signingKey) return { key: c.checksums.signingKey, field: 'checksums.signingKey' };
  const repos = c.repositories as Record<string, { signingKey?: SigningKeyRef } | undefined> | undefined;
  for (const [name, repo] of Object.entries(repos ?? {})) if (repo?.signingKey) return { key: repo.signingKey, field: `repositories.${name}.signingKey` };
  return undefined;
}

export const checksums: Pipe = {
  name: 'checksums',
  consumes: [],
  produces: ['checksums', 'signature'],
  applies: (r) => r.plan !== undefined && (r.config.checksums !== undefined || hasArchives(r)) && patched('checksums'),
  run: async (r) => {
    const plan = planOf(r);
    const key = signingKeyOf(r);
    const sums = await writeChecksums({ project: plan.project, version: plan.version, targets: plan.targets.map((t) => t.name), expected: recordedArtifacts(r.targets, plan.kindHints ?? {}), ...(key ? { signingKey: key } : {}) });
    r.handoff[CHECKSUMS_HANDOFF] = sums;
    r.result.checksums = { file: `releases/${plan.version}/${SUMS_FILE}`, sha256: sums.sha256, files: sums.served.length, ...(sums.signedBy ? { signedBy: sums.signedBy } : {}) };
    r.tree.push({
      folder: `releases/${plan.version}`,
      files: [
        ...sums.served.map((f) => ({ name: f.name, artifact: { target: f.target, name: f.name } })),
        { name: SUMS_FILE, record: CHECKSUMS_HANDOFF, field: SUMS_FILE },
        ...(sums.signedBy ? [{ name: `${SUMS_FILE}.asc`, record: CHECKSUMS_HANDOFF, field: `${SUMS_FILE}.asc` }] : []),
      ],
    });
  },
};
