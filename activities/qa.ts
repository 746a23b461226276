// QA records (issue 12): the CI workflow stores one per commit; the purge lists and removes the
// expired ones (the decision is made in the workflow, with its clock).
import type { QaRecord } from '../core/qa/record.ts';
import type { QaStore } from '../ports/qa.ts';
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

export function createQaActivities(deps: { qa: QaStore }) {
  return {
    async storeQaRecord(record: QaRecord): Promise<void> {
      requireName('record.project', 'project', record.project);
      requireName('record.commit', 'commit', record.commit);
      await deps.qa.writeRecord(record);
    },

    async listQaRecords(): Promise<StoredQaRecord[]> {
      return (await deps.qa.list()).map((r) => ({ project: r.project, commit: r.commit, expiresAt: r.expiresAt, ref: r.ref, finishedAt: r.finishedAt, ...(r.images ? { images: r.images } : {}) }));
    },

    async deleteQaRecord(key: { project: string; commit: string }): Promise<void> {
      requireName('project', 'project', key.project);
      requireName('commit', 'commit', key.commit);
      await deps.qa.remove(key.project, key.commit);
    },
  };
}
