// QA records as signed attestations over a QA store: written as DSSE envelopes signed with
// the orchestrator's key where CI makes them, opened and checked where a release, a report or
// the purge reads them. A store (this host's folder, a bucket) only keeps them: a record whose
// bytes changed there — a gate flipped, a digest swapped — is refused, never believed.
import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { FsQaStore } from '../qa-fs/store.ts';
import { DSSE_PAYLOAD_TYPE } from '../../core/provenance.ts';
import { qaStatement, recordOfStatement } from '../../core/qa/attestation.ts';
import type { QaRecord } from '../../core/qa/record.ts';
import type { QaStore } from '../../ports/qa.ts';
import { openEnvelope, signEnvelope } from './dsse.ts';
import { provenanceKey, type ProvenanceKey } from './provenance-key.ts';

export type QaRead = { record: QaRecord } | { problem: string } | null;

export interface SignedQaRecords {
  write(record: QaRecord): Promise<void>;
  /** null: there is none; problem: there is one, and it cannot be believed. */
  read(project: string, commit: string): Promise<QaRead>;
  /** Every record that opens; the others are named in `refused`. */
  list(): Promise<{ records: QaRecord[]; refused: { project: string; commit: string; problem: string }[] }>;
}

export function signedQaRecords(store: QaStore, key: ProvenanceKey): SignedQaRecords {
  const verifier = { publicKey: createPublicKey(key.publicPem), keyid: key.keyid };
  const open = (project: string, commit: string, envelope: unknown): QaRead => {
    const opened = openEnvelope(envelope, verifier, DSSE_PAYLOAD_TYPE);
    const read = 'problem' in opened ? opened : recordOfStatement(opened.value);
    if ('problem' in read) return { problem: `the stored QA record of ${project} ${commit} (${store.describe(project, commit)}) ${read.problem}` };
    // The key it is stored under is part of what was signed.
    if (read.record.project !== project || read.record.commit !== commit) return { problem: `the stored QA record of ${project} ${commit} (${store.describe(project, commit)}) is the signed record of ${read.record.project} ${read.record.commit}, moved` };
    return read;
  };
  return {
    write: (record) => store.writeRecord(record.project, record.commit, signEnvelope(key, DSSE_PAYLOAD_TYPE, qaStatement(record))),
    async read(project, commit) {
      const envelope = await store.readRecord(project, commit);
      return envelope === null ? null : open(project, commit, envelope);
    },
    async list() {
      const records: QaRecord[] = [];
      const refused: { project: string; commit: string; problem: string }[] = [];
      for (const { project, commit, envelope } of await store.list()) {
        const r = open(project, commit, envelope);
        if (r && 'record' in r) records.push(r.record);
        else if (r) refused.push({ project, commit, problem: r.problem });
      }
      return { records, refused };
    },
  };
}

/** The records of a state folder (or of the store given), under its orchestrator's key (the
 *  CLI's, the tests'). */
export function qaRecordsIn(stateDir: string, store: QaStore = new FsQaStore(join(stateDir, 'qa')), keyFile?: string): SignedQaRecords & { store: QaStore } {
  return { ...signedQaRecords(store, provenanceKey(stateDir, keyFile)), store };
}
