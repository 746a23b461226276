// Signed provenance: after every target was built, the orchestrator — never a build — checks
// each artifact against the sha256 the workflow recorded, states which commit, config,
// machines and commands produced them (core/provenance.ts), signs the statement as a DSSE
// envelope with its Ed25519 key, and stores it beside the artifacts. The repository step
// deploys it with the repositories.
import { createHash } from 'node:crypto';
import type { ArtifactStore } from '../../ports/artifacts.ts';
import { DSSE_PAYLOAD_TYPE, provenanceStatement, type ProvenanceInput } from '../../core/provenance.ts';
import type { ProvenanceKey } from '../../providers/signing/provenance-key.ts';
import { signEnvelope } from '../../providers/signing/dsse.ts';
import { verifiedArtifacts } from '../../activities/verified-artifacts.ts';

export type WriteProvenanceInput = ProvenanceInput;

export interface ProvenanceResult {
  /** Where it is stored (the store's record), and its sha256. */
  path: string;
  sha256: string;
  keyid: string;
  subjects: number;
}

export type { DsseEnvelope } from '../../providers/signing/dsse.ts';

export function createProvenanceActivities(deps: { artifacts: ArtifactStore; key: ProvenanceKey }) {
  return {
    async writeProvenance(input: WriteProvenanceInput): Promise<ProvenanceResult> {
      // Attest only to what is in the store as it was built.
      await verifiedArtifacts(deps.artifacts, { project: input.project, version: input.version, targets: input.targets.map((t) => t.name), expected: Object.fromEntries(input.targets.map((t) => [t.name, t.artifacts])) });
      const statement = provenanceStatement(input);
      const envelope = signEnvelope(deps.key, DSSE_PAYLOAD_TYPE, statement);
      const key = { project: input.project, version: input.version };
      await deps.artifacts.writeRecord(key, 'provenance', envelope);
      const path = deps.artifacts.recordLocation(key, 'provenance');
      return { path, sha256: createHash('sha256').update(JSON.stringify(envelope, null, 2) + '\n').digest('hex'), keyid: deps.key.keyid, subjects: statement.subject.length };
    },
  };
}
