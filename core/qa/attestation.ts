// A commit's QA record as an in-toto Statement: its subjects are the images CI built and
// scanned (the multi-arch index and each platform's manifest), its predicate the record itself.
// CI signs it where it is made; a release opens it and checks it before anything is pushed.
// Pure.
import { STATEMENT_TYPE } from '../provenance.ts';
import type { QaRecord } from './record.ts';

export const QA_PREDICATE_TYPE = 'https://tagship.dev/attestations/qa-record/v1';

export interface QaStatement {
  _type: typeof STATEMENT_TYPE;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: typeof QA_PREDICATE_TYPE;
  predicate: QaRecord;
}

const sha = (digest: string) => digest.replace(/^sha256:/, '');

/** The image digests a record vouches for, as subjects (none before the image gate ran). */
function subjectsOf(record: QaRecord): QaStatement['subject'] {
  const i = record.images;
  if (!i) return [];
  return [
    { name: `${i.repository}@index`, digest: { sha256: sha(i.index) } },
    ...Object.entries(i.platforms)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([platform, d]) => ({ name: `${i.repository}@${platform}`, digest: { sha256: sha(d) } })),
  ];
}

export function qaStatement(record: QaRecord): QaStatement {
  return { _type: STATEMENT_TYPE, subject: subjectsOf(record), predicateType: QA_PREDICATE_TYPE, predicate: record };
}

/** The record a signed statement carries, or why the statement cannot be one: another type, or
 *  subjects that are not exactly the record's images. */
export function recordOfStatement(value: unknown): { record: QaRecord } | { problem: string } {
  const s = value as Partial<QaStatement> | null;
  if (!s || s._type !== STATEMENT_TYPE || s.predicateType !== QA_PREDICATE_TYPE || !s.predicate || !Array.isArray(s.subject)) return { problem: 'is not a QA record statement' };
  const want = JSON.stringify(subjectsOf(s.predicate));
  if (JSON.stringify(s.subject) !== want) return { problem: 'names subjects that are not the images its record holds' };
  return { record: s.predicate };
}
