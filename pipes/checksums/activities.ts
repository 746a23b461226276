// The checksums pipe's activity: every release file checked against the sha256 recorded at
// build time, SHA256SUMS written over them, signed with the project's key (a detached,
// ASCII-armoured SHA256SUMS.asc), and both kept in the release's `checksums` record for the
// deploy to serve beside the files.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactStore } from '../../ports/artifacts.ts';
import { FailureType, nonRetryable } from '../../core/failures.ts';
import { verifiedArtifacts, type RecordedArtifacts } from '../../activities/verified-artifacts.ts';
import { resolveKey, withSigner, type SigningKeyRef } from '../../activities/signing.ts';
import { CHECKSUMS_HANDOFF, SUMS_FILE, type ChecksumsHandoff } from './handoff.ts';
import { sha256sums } from './sums.ts';

export interface WriteChecksumsInput {
  project: string;
  version: string;
  targets: string[];
  expected: RecordedArtifacts;
  /** The project's key, and the tagship.yml field that named it (for messages). */
  signingKey?: { key: SigningKeyRef; field: string };
}

export function createChecksumsActivities(deps: { artifacts: ArtifactStore; env?: Record<string, string | undefined> }) {
  const env = deps.env ?? process.env;
  return {
    async writeChecksums(input: WriteChecksumsInput): Promise<ChecksumsHandoff> {
      const files = await verifiedArtifacts(deps.artifacts, input);
      const sums = sha256sums(files);
      if (!sums.ok) throw nonRetryable(FailureType.BadArtifact, sums.problem);
      const record: Record<string, string> = { [SUMS_FILE]: sums.text };
      let signedBy: string | undefined;
      if (input.signingKey) {
        const dir = await mkdtemp(join(tmpdir(), 'tagship-sums-'));
        try {
          await writeFile(join(dir, SUMS_FILE), sums.text);
          signedBy = await withSigner(resolveKey(input.signingKey.key, env, input.signingKey.field, input.project), async (s) => {
            await s.detachSign(join(dir, SUMS_FILE), join(dir, `${SUMS_FILE}.asc`));
            return s.fingerprint;
          });
          record[`${SUMS_FILE}.asc`] = await readFile(join(dir, `${SUMS_FILE}.asc`), 'utf8');
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
      await deps.artifacts.writeRecord({ project: input.project, version: input.version }, CHECKSUMS_HANDOFF, record);
      return { file: SUMS_FILE, sha256: createHash('sha256').update(sums.text).digest('hex'), ...(signedBy ? { signedBy } : {}), served: sums.served };
    },
  };
}
