// Image retention's side effects (issue 13): what the registry holds under a repository's tags
// (grouped by digest, with each index's platform manifests), deletes by digest, and the
// registry's garbage collection. The decision is core/image-retention.ts, in the workflow.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { imageName } from '../core/config/app.ts';
import type { RegistryImage } from '../core/image-retention.ts';
import type { OciRegistryClient } from '../providers/oci/registry.ts';
import { invalidInput } from './inputs.ts';

const run = promisify(execFile);
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export interface ImageRetentionDeps {
  registry?: OciRegistryClient;
  /** The registry's own config file: with it, deletes are followed by `docker-registry
   *  garbage-collect`, which frees the blobs no manifest uses any more. */
  registryConfig?: string;
}

export function createImageRetentionActivities(deps: ImageRetentionDeps) {
  const checked = (image: string) => {
    if (!imageName.safeParse(image).success) throw invalidInput('image', `${JSON.stringify(image)} is not an image repository name`);
    return image;
  };
  return {
    /** The registry's host, to tell its repositories in QA records from others'; null without one. */
    // eslint-disable-next-line @typescript-eslint/require-await -- an activity is async
    async registryHost(): Promise<string | null> {
      return deps.registry?.host ?? null;
    },

    async listRegistryImages(input: { image: string }): Promise<RegistryImage[]> {
      const registry = deps.registry;
      if (!registry) return [];
      const byDigest = new Map<string, RegistryImage>();
      for (const tag of await registry.tags(checked(input.image))) {
        const m = await registry.manifest(input.image, tag);
        if (!m) continue;
        const entry = byDigest.get(m.digest) ?? { digest: m.digest, tags: [], children: (m.body.manifests ?? []).map((c) => c.digest) };
        entry.tags.push(tag);
        byDigest.set(m.digest, entry);
      }
      return [...byDigest.values()];
    },

    async deleteImages(input: { image: string; digests: string[] }): Promise<number> {
      const registry = deps.registry;
      if (!registry) return 0;
      checked(input.image);
      for (const d of input.digests) if (!DIGEST.test(d)) throw invalidInput('digests', `${JSON.stringify(d)} is not a sha256 digest`);
      for (const d of input.digests) await registry.deleteManifest(input.image, d);
      return input.digests.length;
    },

    async collectGarbage(): Promise<string> {
      if (!deps.registryConfig) return 'no registry config (TAGSHIP_REGISTRY_CONFIG): garbage collection left to the registry\'s operator';
      const { stdout } = await run('docker-registry', ['garbage-collect', deps.registryConfig], { maxBuffer: 16 << 20 });
      const freed = stdout.split('\n').filter((l) => /blob eligible for deletion/.test(l)).length;
      return `garbage collection: ${freed} blob(s) freed`;
    },
  };
}
