// A release and its assets through GitHub's REST API (Octokit): found by tag or created, its
// notes brought up to date, each file uploaded once. An asset already there is the same file only
// when its sha256 digest says so; other bytes under a release file's name are a conflict, never
// replaced — a published file does not change. Idempotent, so a retry after a lost answer
// uploads nothing twice.
import { Octokit } from '@octokit/rest';
import { FailureType, nonRetryable } from '../../../core/failures.ts';
import type { PublishOutcome } from '../../../core/publish-outcome.ts';

export interface ForgeFile {
  name: string;
  bytes: Buffer;
  sha256: string;
}

export interface ForgeRelease {
  apiUrl: string;
  token: string;
  repository: string;
  tag: string;
  notes: string;
  draft: boolean;
  prerelease: boolean;
}

/** Where uploads go: the release's upload_url, which must be on the API's host or its
 *  `uploads.` sibling (GitHub's) — the token is sent there. */
function uploadBase(uploadUrl: string, apiUrl: string): string {
  const base = uploadUrl.slice(0, uploadUrl.indexOf('/repos/'));
  const api = new URL(apiUrl).host;
  const up = new URL(base).host;
  if (up !== api && up !== `uploads.${api.replace(/^api\./, '')}`) throw nonRetryable(FailureType.ConfigInvalid, `the forge answered with uploads at ${up}, which is not ${api}'s; the token is not sent there`);
  return base;
}

export async function publishGitHubRelease(r: ForgeRelease, files: readonly ForgeFile[], progress: (file: string) => void): Promise<{ outcomes: Record<string, PublishOutcome>; url: string }> {
  const octokit = new Octokit({ auth: r.token, baseUrl: r.apiUrl.replace(/\/$/, ''), userAgent: 'tagship', request: { retries: 0 } });
  const [owner, repo] = r.repository.split('/') as [string, string];
  const wanted = { name: r.tag, body: r.notes, draft: r.draft, prerelease: r.prerelease };

  let release = await octokit.rest.repos.getReleaseByTag({ owner, repo, tag: r.tag }).then(
    (res) => res.data,
    (err: { status?: number }) => {
      if (err.status === 404) return null;
      throw err;
    },
  );
  if (!release) release = (await octokit.rest.repos.createRelease({ owner, repo, tag_name: r.tag, ...wanted })).data;
  else if (release.body !== r.notes || release.name !== r.tag || release.prerelease !== r.prerelease) {
    release = (await octokit.rest.repos.updateRelease({ owner, repo, release_id: release.id, name: r.tag, body: r.notes, prerelease: r.prerelease })).data;
  }

  const existing = new Map((await octokit.paginate(octokit.rest.repos.listReleaseAssets, { owner, repo, release_id: release.id, per_page: 100 })).map((a) => [a.name, a]));
  const outcomes: Record<string, PublishOutcome> = {};
  const base = uploadBase(release.upload_url, r.apiUrl);
  for (const f of files) {
    progress(f.name);
    const there = existing.get(f.name);
    if (there) {
      const digest = (there as { digest?: string | null }).digest;
      if (digest === `sha256:${f.sha256}`) {
        outcomes[f.name] = 'already-published';
        continue;
      }
      throw nonRetryable(FailureType.PublishConflict, `${r.repository} release ${r.tag} already has an asset ${f.name} with other content (${digest ?? `${there.size} bytes, no digest`}; ours sha256:${f.sha256}); a published file never changes — release a new version`);
    }
    await octokit.rest.repos.uploadReleaseAsset({
      owner,
      repo,
      release_id: release.id,
      name: f.name,
      data: f.bytes as unknown as string,
      baseUrl: base,
      headers: { 'content-type': 'application/octet-stream', 'content-length': f.bytes.length },
    });
    outcomes[f.name] = 'published';
  }
  return { outcomes, url: release.html_url };
}
