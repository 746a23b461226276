// A forge release's notes: the tag's own message, then the commits since the previous release,
// grouped by their conventional-commit type (feat, fix, perf; a `!` or BREAKING CHANGE marks a
// breaking one). Pure.
import semver from 'semver';

export interface Commit {
  sha: string;
  subject: string;
  /** The message body (for BREAKING CHANGE footers). */
  body?: string;
}

const GROUPS = [
  ['breaking', 'Breaking changes'],
  ['feat', 'Features'],
  ['fix', 'Fixes'],
  ['perf', 'Performance'],
  ['other', 'Other changes'],
] as const;

type Group = (typeof GROUPS)[number][0];

function groupOf(c: Commit): { group: Group; text: string } {
  const m = /^(\w+)(?:\(([^)]*)\))?(!)?:\s*(.+)$/.exec(c.subject);
  if (!m) return { group: 'other', text: c.subject };
  const [, type, scope, bang, text] = m;
  const shown = scope ? `**${scope}:** ${text}` : text!;
  if (bang || /^BREAKING[ -]CHANGE:/m.test(c.body ?? '')) return { group: 'breaking', text: shown };
  const t = type!.toLowerCase();
  return { group: t === 'feat' || t === 'fix' || t === 'perf' ? t : 'other', text: shown };
}

/** The release tag before `current` among `tags` (same prefix, lower version; a stable release
 *  follows the last stable one, a prerelease the last of any kind), or null. */
export function previousReleaseTag(tags: readonly string[], current: string, prefix: string): string | null {
  const version = (t: string) => (t.startsWith(prefix) ? semver.valid(t.slice(prefix.length)) : null);
  const now = version(current);
  if (!now) return null;
  const stable = semver.prerelease(now) === null;
  const earlier = tags.filter((t) => {
    const v = version(t);
    return v !== null && semver.lt(v, now) && (!stable || semver.prerelease(v) === null);
  });
  return earlier.sort((a, b) => semver.rcompare(version(a)!, version(b)!))[0] ?? null;
}

export function releaseNotes(n: { tag: string; tagMessage?: string; previousTag: string | null; commits: readonly Commit[] }): string {
  const out: string[] = [];
  const message = n.tagMessage?.trim();
  if (message && message !== n.tag) out.push(message, '');
  if (!n.commits.length) out.push(n.previousTag ? `No commits since ${n.previousTag}.` : `The first release, ${n.tag}.`);
  else {
    out.push(n.previousTag ? `Changes since ${n.previousTag}:` : `Changes in ${n.tag}:`);
    const grouped = new Map<Group, string[]>();
    for (const c of n.commits) {
      const { group, text } = groupOf(c);
      grouped.set(group, [...(grouped.get(group) ?? []), `- ${text} (${c.sha.slice(0, 7)})`]);
    }
    for (const [group, title] of GROUPS) {
      const lines = grouped.get(group);
      if (lines) out.push('', `### ${title}`, '', ...lines);
    }
  }
  return `${out.join('\n')}\n`;
}
