// What the container-app pipes hand each other: the QA record the check read (the image pipe
// ships exactly its digests), and files other pipes add beside the QA report (the Velocitas
// deployment files). Workflow code (types and names only).

/** The checked QA record (core/qa/record.ts QaRecord). */
export const QA_RECORD = 'qa-record';

/** Files deployed in qa/<version>/ beside the report, in the order they were added. */
export const APP_FILES = 'app-files';
export type AppFiles = { name: string; content: string }[];
