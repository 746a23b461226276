// Which container images a registry keeps (issue 13), decided by digest so that a multi-arch
// index and its platform manifests stay or go together:
//   - every image a version tag (semver) or `latest` points at, and every child of a kept index;
//   - the newest `keepPerBranch` commit images of each branch (from the commits' QA records);
//   - every commit image whose QA record has not expired (younger than the QA retention);
// everything else under the repository's tags is deleted by digest. Pure.
// The one function, not the package: each new workflow evaluates its bundle's modules again.
import semverValid from 'semver/functions/valid.js';

export interface RegistryImage {
  digest: string;
  /** The tags pointing at it now. */
  tags: string[];
  /** For an index: its platform manifests. */
  children: string[];
}

export interface CommitImages {
  commit: string;
  /** The ref its CI ran for (refs/heads/<branch>, refs/pull/…). */
  ref: string;
  finishedAt: string;
  expiresAt: string;
  index: string;
  platforms: string[];
}

export interface RetentionVerdict {
  keep: { digest: string; tags: string[]; reason: string }[];
  delete: { digest: string; tags: string[]; reason: string }[];
}

const isVersionTag = (t: string) => t === 'latest' || semverValid(t) !== null;

export function imageRetention(images: RegistryImage[], records: CommitImages[], policy: { keepPerBranch: number; nowMs: number }): RetentionVerdict {
  const reasons = new Map<string, string>();
  const keep = (digest: string, reason: string) => {
    if (!reasons.has(digest)) reasons.set(digest, reason);
  };
  const byDigest = new Map(images.map((i) => [i.digest, i]));
  for (const i of images) {
    const versions = i.tags.filter(isVersionTag).sort();
    if (versions.length) keep(i.digest, `tagged ${versions.join(', ')}`);
  }
  const branches = new Map<string, CommitImages[]>();
  for (const r of records) branches.set(r.ref, [...(branches.get(r.ref) ?? []), r]);
  for (const [ref, list] of branches) {
    const newest = [...list].sort((a, b) => b.finishedAt.localeCompare(a.finishedAt)).slice(0, policy.keepPerBranch);
    for (const r of newest) {
      keep(r.index, `one of the ${policy.keepPerBranch} newest commit images of ${ref.replace(/^refs\/heads\//, '')} (${r.commit.slice(0, 12)})`);
      for (const p of r.platforms) keep(p, `platform image of ${r.commit.slice(0, 12)}, one of the newest of ${ref.replace(/^refs\/heads\//, '')}`);
    }
  }
  for (const r of records) {
    if (Date.parse(r.expiresAt) > policy.nowMs) {
      keep(r.index, `QA record of ${r.commit.slice(0, 12)} kept until ${r.expiresAt}`);
      for (const p of r.platforms) keep(p, `platform image of ${r.commit.slice(0, 12)}, QA record kept until ${r.expiresAt}`);
    }
  }
  // Children of every kept index stay with it.
  for (const [digest, reason] of [...reasons]) {
    for (const child of byDigest.get(digest)?.children ?? []) keep(child, `platform image of an index kept (${reason})`);
  }
  const out: RetentionVerdict = { keep: [], delete: [] };
  for (const i of images) {
    const reason = reasons.get(i.digest);
    if (reason) out.keep.push({ digest: i.digest, tags: i.tags, reason });
    else out.delete.push({ digest: i.digest, tags: i.tags, reason: i.tags.every((t) => /^[0-9a-f]{40}(-[a-z0-9]+)?$/.test(t)) ? 'a commit image neither tagged with a version, among its branch\'s newest, nor within its QA retention' : 'not kept by any rule' });
  }
  // Indexes go before their children, so no index is ever left pointing at a deleted manifest.
  out.delete.sort((a, b) => (byDigest.get(b.digest)?.children.length ?? 0) - (byDigest.get(a.digest)?.children.length ?? 0));
  return out;
}
