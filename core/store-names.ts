// The names that become paths in the artifact store: a project, a version, a target and an
// artifact's file name. Whatever a build machine sends is checked here before it is joined
// into a path, and every rule is positive (what a name may be), so "..", ".", absolute paths,
// separators, NUL, and any of them percent-encoded (decoded before the check) cannot pass.
// Pure.

const RULES = {
  project: { re: /^[a-z0-9][a-z0-9-]{0,62}$/, says: '1-63 lowercase letters, digits or "-"' },
  target: { re: /^[a-z0-9][a-z0-9-]{0,62}$/, says: '1-63 lowercase letters, digits or "-"' },
  version: { re: /^[0-9A-Za-z][0-9A-Za-z.+~-]{0,127}$/, says: 'a package version: letters, digits, ".", "+", "~", "-", starting with a letter or digit' },
  // A release's step record (`test-gate`, `published-crates`, …), named by the step.
  record: { re: /^[a-z0-9][a-z0-9-]{0,62}$/, says: '1-63 lowercase letters, digits or "-"' },
  // An upload session (the uploading machine's name): its files wait apart until committed.
  upload: { re: /^[a-z0-9][a-z0-9.-]{0,127}$/, says: 'a machine name: 1-128 lowercase letters, digits, "." or "-"' },
  // A plain file name: no separator, no leading dot (so never "." or ".." and never one of the
  // store's own dot-files), at most 255 bytes.
  // A commit id: a QA record's key.
  commit: { re: /^[0-9a-f]{40}$/, says: 'a 40-digit lowercase commit id' },
  artifact: { re: /^[A-Za-z0-9_+~][A-Za-z0-9._+~-]{0,254}$/, says: 'a plain file name: letters, digits, ".", "_", "+", "~", "-", not starting with "."' },
} as const;

export type StoreNameKind = keyof typeof RULES;

/** Why `value` cannot be a `kind` in the store, or null when it can. */
export function storeNameProblem(kind: StoreNameKind, value: unknown): string | null {
  if (typeof value !== 'string') return `${kind} must be a string`;
  const rule = RULES[kind];
  if (!rule.re.test(value)) return `${kind} ${JSON.stringify(value.slice(0, 80))} is not allowed; it must be ${rule.says}`;
  if ((kind === 'version' || kind === 'upload') && value.includes('..')) return `${kind} ${JSON.stringify(value)} must not contain ".."`;
  return null;
}

export class StoreNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreNameError';
  }
}

/** Throws StoreNameError naming the first bad part. */
export function checkStoreNames(parts: Partial<Record<StoreNameKind, unknown>>): void {
  for (const [kind, value] of Object.entries(parts) as [StoreNameKind, unknown][]) {
    const problem = storeNameProblem(kind, value);
    if (problem) throw new StoreNameError(problem);
  }
}
