// A container app's release (issue 13): the QA record of exactly the tagged commit, its images
// still in the registry, and the version tags written by digest. Nothing is rebuilt: the
// release tags the multi-arch index the commit's CI pushed. Version tags are immutable: the
// same version with the same digest is a no-op, with another digest it is refused.
import { FailureType, nonRetryable } from '../../../core/failures.ts';
import { imageName } from '../../../core/config/app.ts';
import type { QaRecord } from '../../../core/qa/record.ts';
import { latestDecision } from '../../../core/qa/version-tags.ts';
import type { OciRegistryClient } from '../../../providers/oci/registry.ts';
import type { SignedQaRecords } from '../../../providers/signing/qa-records.ts';
import { invalidInput, requireName } from '../../../activities/inputs.ts';

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const VERSION = /^[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?$/;

export interface TagAppInput {
  image: string;
  version: string;
  /** The QA record's multi-arch index. */
  index: string;
}

export interface TagAppResult {
  /** <registry>/<image>:<version> */
  reference: string;
  digest: string;
  version: 'created' | 'unchanged';
  latest: 'moved' | 'kept';
  latestReason: string;
}

export function createAppReleaseActivities(deps: { records: SignedQaRecords; registry?: OciRegistryClient }) {
  const registryOf = (): OciRegistryClient => {
    if (!deps.registry) throw nonRetryable(FailureType.ConfigInvalid, 'this worker has no OCI registry for app images; set TAGSHIP_REGISTRY (host:port) and restart it');
    return deps.registry;
  };
  const checkImage = (image: string) => {
    if (!imageName.safeParse(image).success) throw invalidInput('image', `${JSON.stringify(image)} is not an image repository name`);
  };

  return {
    async readQaRecord(key: { project: string; commit: string }): Promise<QaRecord | null> {
      requireName('project', 'project', key.project);
      requireName('commit', 'commit', key.commit);
      const read = await deps.records.read(key.project, key.commit);
      if (read && 'problem' in read) {
        throw nonRetryable(FailureType.QaRecordRefused, `nothing was pushed: ${read.problem}; run \`tagship ci run ${key.commit} -p ${key.project} --again\` to make and sign it anew`);
      }
      return read?.record ?? null;
    },

    /** The digests the registry no longer has (a purge, a manual delete). */
    async missingImages(input: { image: string; digests: string[] }): Promise<string[]> {
      checkImage(input.image);
      const registry = registryOf();
      const missing: string[] = [];
      for (const d of input.digests) {
        if (!DIGEST.test(d)) throw invalidInput('digests', `${JSON.stringify(d)} is not a sha256 digest`);
        if (!(await registry.manifest(input.image, d))) missing.push(d);
      }
      return missing;
    },

    /** `<image>:<version>` → the index, written once; `latest` → it when the version is the
     *  highest stable one. The index's bytes are copied as they are, so the digest is the same. */
    async tagAppVersion(input: TagAppInput): Promise<TagAppResult> {
      checkImage(input.image);
      if (!VERSION.test(input.version)) throw invalidInput('version', `${JSON.stringify(input.version)} is not a release version`);
      if (!DIGEST.test(input.index)) throw invalidInput('index', `${JSON.stringify(input.index)} is not a sha256 digest`);
      const registry = registryOf();
      const reference = `${registry.host}/${input.image}:${input.version}`;
      const index = await registry.manifestBytes(input.image, input.index);
      if (!index) throw nonRetryable(FailureType.ImageMissing, `the registry no longer has ${input.image}@${input.index}; run CI for the commit again`);
      const current = await registry.manifest(input.image, input.version);
      if (current && current.digest !== input.index) {
        throw nonRetryable(FailureType.VersionTagConflict, `${reference} already points at ${current.digest}, not ${input.index}: version tags are never moved; release a new version`);
      }
      if (!current) await registry.putManifestBytes(input.image, input.version, index.mediaType, index.bytes);
      const decision = latestDecision(await registry.tags(input.image), input.version);
      if (decision.move) await registry.putManifestBytes(input.image, 'latest', index.mediaType, index.bytes);
      return { reference, digest: input.index, version: current ? 'unchanged' : 'created', latest: decision.move ? 'moved' : 'kept', latestReason: decision.reason };
    },
  };
}
