// Publishes the release's Python dists (wheel and sdist) to a PyPI-style index with the upload
// API twine uses. Idempotent like the crates: a file the index lists with the same sha256 is
// already published; the same file name with other content is a PublishConflict.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { FailureType, nonRetryable } from '../../../core/failures.ts';
import { normalizeDistribution as normalizeName } from '../../../core/artifact-kinds.ts';
import type { PublishOutcome } from '../../../core/publish-outcome.ts';
import type { RegistryEndpoint } from '../../../activities/registries.ts';
import { reportProgress } from '../../../activities/heartbeat.ts';

/** The files the configured index itself lists for the package, by name → sha256. A redirect
 *  within the index is followed; one off it (pypiserver's fallback sends a name it lacks to the
 *  public index) means the index does not have the package: another index's files are never
 *  taken for ours. */
async function listed(registry: RegistryEndpoint, pkg: string): Promise<Map<string, string>> {
  const index = new URL(`${registry.url.replace(/\/$/, '')}/simple/${normalizeName(pkg)}/`);
  let url = index;
  for (let hops = 0; ; hops++) {
    const res = await fetch(url, { headers: auth(registry), redirect: 'manual' });
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location') ?? '', url);
      if (next.origin !== index.origin || hops >= 5) return new Map();
      url = next;
      continue;
    }
    if (res.status === 404) return new Map();
    if (!res.ok) throw new Error(`reading the index page of ${pkg} failed: HTTP ${res.status}`);
    const out = new Map<string, string>();
    for (const m of (await res.text()).matchAll(/href="[^"]*?([^/"#]+)#sha256=([0-9a-f]{64})"/g)) out.set(decodeURIComponent(m[1]!), m[2]!);
    return out;
  }
}

function auth(registry: RegistryEndpoint): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`__token__:${registry.token}`).toString('base64')}` };
}

/** A dist to upload: its path and whether it is a wheel or an sdist (its recorded kind). */
export interface Dist {
  path: string;
  kind: string;
}

export async function publishPython(registry: RegistryEndpoint, pkg: string, version: string, files: Dist[]): Promise<Record<string, PublishOutcome>> {
  const outcomes: Record<string, PublishOutcome> = {};
  let known = await listed(registry, pkg);
  for (const { path, kind } of files) {
    const name = basename(path);
    reportProgress({ file: name });
    const bytes = await readFile(path);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const existing = known.get(name);
    if (existing) {
      if (existing !== sha256) throw nonRetryable(FailureType.PublishConflict, `${name} is already in the index with other content (index sha256 ${existing}, ours ${sha256}); a published file cannot change — release a new version`);
      outcomes[name] = 'already-published';
      continue;
    }
    const form = new FormData();
    form.append(':action', 'file_upload');
    form.append('protocol_version', '1');
    form.append('name', pkg);
    form.append('version', version);
    form.append('filetype', kind === 'wheel' ? 'bdist_wheel' : 'sdist');
    form.append('sha256_digest', sha256);
    form.append('content', new Blob([bytes]), name);
    const res = await fetch(`${registry.url.replace(/\/$/, '')}/`, { method: 'POST', headers: auth(registry), body: form }).catch(async (err: unknown) => {
      // Some indexes refuse a bad token by closing the connection before reading the body; a
      // body-less probe gets the status they meant, so the failure can say what is wrong.
      const probe = new FormData();
      probe.append(':action', 'file_upload');
      const status = await fetch(`${registry.url.replace(/\/$/, '')}/`, { method: 'POST', headers: auth(registry), body: probe }).then((r) => r.status, () => 0);
      if (status === 401 || status === 403) return new Response(null, { status });
      throw err;
    });
    if (res.status === 401 || res.status === 403) throw nonRetryable(FailureType.ConfigInvalid, `the Python index refused the token for ${name} (HTTP ${res.status}); check the worker's registry token`);
    if (!res.ok) {
      // A 409 or a lost answer: the index page decides whether it is ours.
      known = await listed(registry, pkg);
      if (known.get(name) === sha256) {
        outcomes[name] = 'published';
        continue;
      }
      if (known.has(name)) throw nonRetryable(FailureType.PublishConflict, `${name} is already in the index with other content; release a new version`);
      throw new Error(`uploading ${name} failed: HTTP ${res.status}`);
    }
    outcomes[name] = 'published';
  }
  return outcomes;
}
