// QA records (issue 12): the CI workflow stores one per commit; the purge lists and removes the
// expired ones (the decision is made in the workflow, with its clock).
import { Context } from '@temporalio/activity';
import type { QaRecord } from '../core/qa/record.ts';
import type { QaStore } from '../ports/qa.ts';
import type { SignedQaRecords } from '../providers/signing/qa-records.ts';
import { requireName } from './inputs.ts';

export interface StoredQaRecord {
  project: string;
  commit: string;
  expiresAt: string;
  /** For image retention: the branch (ref) CI ran for, when, and the images it pushed. */
  ref?: string;
  finishedAt?: string;
  images?: QaRecord['images'];
}

export function createQaActivities(deps: { qa: QaStore; records: SignedQaRecords }) {
  return {
    /** Signed here, where CI made it: only this orchestrator's key can vouch for a record. */
    async storeQaRecord(record: QaRecord): Promise<void> {
      requireName('record.project', 'project', record.project);
      requireName('record.commit', 'commit', record.commit);
      await deps.records.write(record);
    },

    /** The records whose signature holds; one that does not is left alone, and said. */
    async listQaRecords(): Promise<StoredQaRecord[]> {
      const { records, refused } = await deps.records.list();
      for (const r of refused) Context.current().log.warn(`ignored by the purge and image retention: ${r.problem}`);
      return records.map((r) => ({ project: r.project, commit: r.commit, expiresAt: r.expiresAt, ref: r.ref, finishedAt: r.finishedAt, ...(r.images ? { images: r.images } : {}) }));
    },

    async deleteQaRecord(key: { project: string; commit: string }): Promise<void> {
      requireName('project', 'project', key.project);
      requireName('commit', 'commit', key.commit);
      await deps.qa.remove(key.project, key.commit);
    },
  };
}
