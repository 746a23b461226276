// Tag parsing: the tag ends up in commands, paths and package versions, so it is checked
// strictly here, before anything else happens, and every rejection says what to do instead.

/** Where a release goes: a stable tag, a prerelease tag, or a nightly build of a branch head. */
export type Channel = 'stable' | 'prerelease' | 'nightly';

export interface ParsedTag {
  tag: string;
  /** The tag without its prefix; what packages are versioned with. */
  version: string;
  major: number;
  minor: number;
  patch: number;
  /** The prerelease identifiers (`rc.1` in `v1.0.0-rc.1`), or null for a stable release. */
  prerelease: string | null;
  channel: Channel;
}

export type TagResult = { ok: true; value: ParsedTag } | { ok: false; reason: string };

export const MAX_TAG_LENGTH = 256;

/** What a project's tags start with (tagship.yml's `tag.prefix`): `v1.4.0`, or `1.4.0` as many
 *  upstream projects tag. */
export const TAG_PREFIXES = ['v', ''] as const;
export type TagPrefix = (typeof TAG_PREFIXES)[number];

const example = (p: TagPrefix) => `use the form ${p}MAJOR.MINOR.PATCH or ${p}MAJOR.MINOR.PATCH-PRERELEASE, e.g. ${p}1.4.0 or ${p}1.4.0-rc.1`;
const SHELL_META = /[;&|$`'"<>(){}[\]*?!#~\\%^=,]/;
const PRE_IDENT = /^(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)$/;
const CORE = /^([0-9]+)\.([0-9]+)\.([0-9]+)$/;

function rejecter(prefix: TagPrefix): (reason: string) => TagResult {
  return (reason) => ({ ok: false, reason: `${reason}; ${example(prefix)}` });
}

function describeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Parse a release tag of a project whose tags start with `prefix`. Pure; never throws. */
export function parseTag(input: unknown, prefix: TagPrefix = 'v'): TagResult {
  const reject = rejecter(prefix);
  if (typeof input !== 'string') return reject('the tag must be a string');
  const tag = input;
  if (tag.length === 0) return reject('the tag is empty');
  if (tag.length > MAX_TAG_LENGTH) return reject(`the tag is ${tag.length} characters long, more than ${MAX_TAG_LENGTH}`);
  const nonAscii = [...tag].find((ch) => (ch.codePointAt(0) ?? 0) > 0x7e);
  if (nonAscii !== undefined) {
    return reject(`the tag contains the non-ASCII character ${describeChar(nonAscii)} (look-alike digits and letters are not accepted)`);
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
  if (/\s/.test(tag) || /[\x00-\x1f\x7f]/.test(tag)) return reject('the tag contains whitespace or a control character');
  if (tag.includes('/')) return reject('the tag contains a path separator "/"');
  const meta = SHELL_META.exec(tag);
  if (meta) return reject(`the tag contains the shell metacharacter "${meta[0]}"`);
  if (tag.includes('..')) return reject('the tag contains ".."');
  if (prefix === 'v' && tag[0] !== 'v') {
    return reject(tag[0] === 'V' ? 'the tag starts with "V"; it must start with a lowercase "v"' : 'the tag must start with "v"');
  }
  if (prefix === '' && !/^[0-9]/.test(tag)) return reject('this project\'s tags have no prefix (tagship.yml tag.prefix: ""): the tag must start with a digit');
  if (tag.includes('+')) return reject('build metadata ("+...") is not allowed in a release tag');

  const body = tag.slice(prefix.length);
  const dash = body.indexOf('-');
  const core = dash === -1 ? body : body.slice(0, dash);
  const pre = dash === -1 ? null : body.slice(dash + 1);

  const m = CORE.exec(core);
  if (!m) return reject(`"${core}" is not MAJOR.MINOR.PATCH (three dot-separated numbers)`);
  const parts = [m[1], m[2], m[3]] as [string, string, string];
  const names = ['major', 'minor', 'patch'] as const;
  for (let i = 0; i < 3; i++) {
    const p = parts[i]!;
    if (p.length > 1 && p.startsWith('0')) return reject(`the ${names[i]} version "${p}" has a leading zero`);
    if (p.length > 15) return reject(`the ${names[i]} version "${p}" is too large`);
  }

  if (pre !== null) {
    if (pre.length === 0) return reject('the prerelease part after "-" is empty');
    for (const ident of pre.split('.')) {
      if (ident.length === 0) return reject(`the prerelease "${pre}" has an empty identifier`);
      if (/^[0-9]+$/.test(ident) && ident.length > 1 && ident.startsWith('0')) {
        return reject(`the prerelease identifier "${ident}" has a leading zero`);
      }
      if (!PRE_IDENT.test(ident)) return reject(`the prerelease identifier "${ident}" may hold only letters, digits and "-"`);
    }
  }

  return {
    ok: true,
    value: {
      tag,
      version: body,
      major: Number(parts[0]),
      minor: Number(parts[1]),
      patch: Number(parts[2]),
      prerelease: pre,
      channel: pre === null ? 'stable' : 'prerelease',
    },
  };
}

/** A tag in either form tagship accepts before it knows the project (`v1.4.0` or `1.4.0`); the
 *  project's tagship.yml then says which one it uses (tagPrefixProblem). */
export function parseReleaseTag(input: unknown): TagResult {
  return parseTag(input, typeof input === 'string' && /^[0-9]/.test(input) ? '' : 'v');
}

/** Why `tag` is not a tag of a project whose tags start with `prefix`, or null. */
export function tagPrefixProblem(tag: string, prefix: TagPrefix): string | null {
  const given: TagPrefix = /^[0-9]/.test(tag) ? '' : 'v';
  if (given === prefix) return null;
  return prefix === '' ? `tagship.yml says this project's tags have no prefix (tag.prefix: ""), but the tag is ${tag}; tag ${tag.slice(1)} instead, or set tag.prefix: v` : `tagship.yml says this project's tags start with "v" (tag.prefix, the default), but the tag is ${tag}; tag v${tag} instead, or set tag: { prefix: "" }`;
}
