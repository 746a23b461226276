// Whether a signed tag is acceptable, decided from what git and gpg said. Pure: the checks
// that run git and gpg are in providers/git/signatures.ts.

export interface TagSignatureFacts {
  tag: string;
  /** The tag object's own `tag <name>` header; a signed object pushed under another name
   *  (an old signed v1.0.0 re-pushed as v2.0.0) must not pass as v2.0.0. */
  objectTagName: string | null;
  /** Absent for a lightweight tag, which cannot be signed. */
  annotated: boolean;
  /** gpg's --status-fd lines from `git verify-tag --raw`. */
  status: string;
  /** Primary fingerprints of the allowed keys. */
  allowed: string[];
}

export type TagSignatureVerdict = { ok: true; fingerprint: string } | { ok: false; reason: string };

export function judgeTagSignature(f: TagSignatureFacts): TagSignatureVerdict {
  const fix = 'sign the tag (git tag -s) with one of the keys in projects.yml requireSignedTags.publicKeys, then push it again';
  if (!f.annotated) return { ok: false, reason: `tag ${f.tag} is a lightweight tag, which carries no signature; ${fix}` };
  if (f.objectTagName !== f.tag) return { ok: false, reason: `tag ${f.tag} points at a tag object made for "${f.objectTagName ?? '?'}"; ${fix}` };
  const lines = f.status.split('\n');
  const field = (key: string) => lines.find((l) => l.startsWith(`[GNUPG:] ${key} `))?.split(' ').slice(2) ?? null;
  const valid = field('VALIDSIG');
  if (valid && lines.some((l) => l.startsWith('[GNUPG:] GOODSIG '))) {
    // VALIDSIG <signing-key fpr> ... <primary-key fpr> (the 10th field, when present).
    const signing = valid[0] ?? '';
    const primary = valid[9] ?? signing;
    const match = f.allowed.find((a) => a === primary || a === signing);
    if (match) return { ok: true, fingerprint: match };
    return { ok: false, reason: `tag ${f.tag} is signed by key ${primary}, which is not an allowed key; ${fix}` };
  }
  const err = field('ERRSIG');
  if (err) return { ok: false, reason: `tag ${f.tag} is signed by key ${err[0] ?? '?'}, which is not an allowed key; ${fix}` };
  if (field('BADSIG')) return { ok: false, reason: `tag ${f.tag} has a signature that does not match its content (BADSIG); ${fix}` };
  if (field('EXPKEYSIG') || field('REVKEYSIG')) return { ok: false, reason: `tag ${f.tag} is signed with an expired or revoked key; ${fix}` };
  return { ok: false, reason: `tag ${f.tag} is not signed; ${fix}` };
}

/** The `tag <name>` header of a tag object's text. */
export function tagObjectName(text: string): string | null {
  for (const line of text.split('\n')) {
    if (line === '') break;
    if (line.startsWith('tag ')) return line.slice(4);
  }
  return null;
}
