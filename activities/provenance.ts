// Signed provenance: after every target was built, the orchestrator — never a build — checks
// each artifact against the sha256 the workflow recorded, states which commit, config,
// machines and commands produced them (core/provenance.ts), signs the statement as a DSSE
// envelope with its Ed25519 key, and stores it beside the artifacts. The repository step
// deploys it with the repositories.
import { createHash, sign } from 'node:crypto';
import type { ArtifactStore } from '../ports/artifacts.ts';
import { dssePae, DSSE_PAYLOAD_TYPE, provenanceStatement, type ProvenanceInput } from '../core/provenance.ts';
import type { ProvenanceKey } from '../providers/signing/provenance-key.ts';
import { verifiedArtifacts } from './verified-artifacts.ts';

export type WriteProvenanceInput = ProvenanceInput;

export interface ProvenanceResult {
  /** Where it is stored (the store's record), and its sha256. */
  path: string;
  sha256: string;
  keyid: string;
  subjects: number;
}

export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

export function createProvenanceActivities(deps: { artifacts: ArtifactStore; key: ProvenanceKey }) {
  return {
    async writeProvenance(input: WriteProvenanceInput): Promise<ProvenanceResult> {
      // Attest only to what is in the store as it was built.
      await verifiedArtifacts(deps.artifacts, { project: input.project, version: input.version, targets: input.targets.map((t) => t.name), expected: Object.fromEntries(input.targets.map((t) => [t.name, t.artifacts])) });
      const statement = provenanceStatement(input);
      const payload = Buffer.from(JSON.stringify(statement));
      const sig = sign(null, dssePae(DSSE_PAYLOAD_TYPE, payload), deps.key.privateKey);
      const envelope: DsseEnvelope = { payloadType: DSSE_PAYLOAD_TYPE, payload: payload.toString('base64'), signatures: [{ keyid: deps.key.keyid, sig: sig.toString('base64') }] };
      const key = { project: input.project, version: input.version };
      await deps.artifacts.writeRecord(key, 'provenance', envelope);
      const path = deps.artifacts.recordPath(key, 'provenance');
      return { path, sha256: createHash('sha256').update(JSON.stringify(envelope, null, 2) + '\n').digest('hex'), keyid: deps.key.keyid, subjects: statement.subject.length };
    },
  };
}
