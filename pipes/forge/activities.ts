// The forge pipe's activity: the tag's release on the project's forge, with notes (the tag's
// message and the commits since the previous release, from the project's mirror) and the release
// files as assets — the archives and other downloads the builds made, the signed SHA256SUMS and
// the provenance. The token comes from the worker's environment, by a variable with the
// project's prefix only.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { reportProgress } from '../../activities/heartbeat.ts';
import type { ArtifactStore } from '../../ports/artifacts.ts';
import { FailureType, nonRetryable } from '../../core/failures.ts';
import { projectVariable } from '../../core/config/project-env.ts';
import { recordPublished, type PublishInput, type PublishResult } from '../../activities/publish-record.ts';
import { verifiedArtifacts, type VerifiedArtifact } from '../../activities/verified-artifacts.ts';
import type { GitMirrors } from '../../providers/git/mirror.ts';
import { CHECKSUMS_HANDOFF, SUMS_FILE } from '../checksums/handoff.ts';
import { isForgeAsset } from './picks.ts';
import { previousReleaseTag, releaseNotes } from './notes.ts';
import { publishGitHubRelease, type ForgeFile } from './activities/github.ts';

export interface PublishForgeInput extends PublishInput {
  repository: string;
  /** env:<PROJECT>_…, resolved by the worker. */
  token: string;
  tag: string;
  tagPrefix: string;
  /** The released commit (notes come from the mirror only for a release from git). */
  commit?: string;
  draft: boolean;
  prerelease: boolean;
}

export interface ForgeDeps {
  artifacts: ArtifactStore;
  mirrors: GitMirrors;
  /** The forge's API (GitHub's, or a GitHub Enterprise or compatible one). */
  apiUrl: string;
  env?: Record<string, string | undefined>;
}

/** How many commits the notes list at most. */
const MAX_COMMITS = 200;

export function createForgeActivities(deps: ForgeDeps) {
  const env = deps.env ?? process.env;

  async function notesOf(input: PublishForgeInput): Promise<string> {
    if (!input.commit) return releaseNotes({ tag: input.tag, previousTag: null, commits: [] });
    const previous = previousReleaseTag(await deps.mirrors.tags(input.project), input.tag, input.tagPrefix);
    return releaseNotes({
      tag: input.tag,
      tagMessage: await deps.mirrors.tagMessage(input.project, input.tag),
      previousTag: previous,
      commits: await deps.mirrors.commitsBetween(input.project, previous, input.commit, MAX_COMMITS),
    });
  }

  /** The release's own files: SHA256SUMS (and its signature) and the provenance. */
  async function recordFiles(input: PublishForgeInput): Promise<ForgeFile[]> {
    const key = { project: input.project, version: input.version };
    const out: ForgeFile[] = [];
    const sums = await deps.artifacts.readRecord<Record<string, string>>(key, CHECKSUMS_HANDOFF);
    for (const name of [SUMS_FILE, `${SUMS_FILE}.asc`]) {
      const text = sums?.[name];
      if (typeof text === 'string') out.push(file(name, Buffer.from(text)));
    }
    const stored = await deps.artifacts.localRecordPath(key, 'provenance').catch(() => null);
    const provenance = stored ? await readFile(stored).catch(() => null) : null;
    if (provenance) out.push(file(`${input.project}-${input.version}.intoto.json`, provenance));
    return out;
  }

  return {
    async publishForge(input: PublishForgeInput): Promise<PublishResult> {
      const token = projectVariable(input.project, input.token, 'GITHUB_TOKEN', env);
      if ('problem' in token) throw nonRetryable(FailureType.ConfigInvalid, `forge.token: ${token.problem}`);
      const artifacts = (await verifiedArtifacts(deps.artifacts, input)).filter((f) => isForgeAsset(f));
      const files = [...(await Promise.all(artifacts.map(async (a) => file(a.name, await readFile(a.path))))), ...(await recordFiles(input))];
      const names = new Set<string>();
      for (const f of files) {
        if (names.has(f.name)) throw nonRetryable(FailureType.BadArtifact, `two release files are named ${f.name}; a forge release holds one asset per name`);
        names.add(f.name);
      }
      const { outcomes } = await publishGitHubRelease({ apiUrl: deps.apiUrl, token: token.value, repository: input.repository, tag: input.tag, notes: await notesOf(input), draft: input.draft, prerelease: input.prerelease }, files, (name) => reportProgress({ asset: name }));
      const sent: VerifiedArtifact[] = files.map((f) => ({ target: '', name: f.name, path: '', sha256: f.sha256, kind: 'file', facts: {} }));
      return recordPublished(deps.artifacts, input, 'forge', input.repository, sent, outcomes);
    },
  };
}

function file(name: string, bytes: Buffer): ForgeFile {
  return { name, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}
