// Eclipse Velocitas' deployment files for a released app (issue 24): the commit's AppManifest,
// the desired-state manifest of the released image (core/velocitas.ts) and a DSSE envelope,
// signed with the orchestrator's provenance key, over both files and the image index. Made
// before the version tag is pushed, so an AppManifest that is missing or not one fails the
// release with nothing pushed; deployed with the QA report (pipes/app).
import { createHash } from 'node:crypto';
import { DSSE_PAYLOAD_TYPE } from '../../core/provenance.ts';
import { FailureType, nonRetryable } from '../../core/failures.ts';
import { MAX_APP_MANIFEST_BYTES, desiredState, desiredStateName, localSources, parseAppManifest, velocitasStatement } from '../../core/velocitas.ts';
import type { SourceRef } from '../../core/source.ts';
import { invalidInput, requireName } from '../../activities/inputs.ts';
import { fileInTar } from '../../providers/sources/file-in-tar.ts';
import { signEnvelope } from '../../providers/signing/dsse.ts';
import type { ProvenanceKey } from '../../providers/signing/provenance-key.ts';

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const PROJECT_PATH = /^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9_.\-/]+$/;
const REPOSITORY = /^[a-z0-9.-]+(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+$/;
/** A VSS file or a proto the desired state hashes. */
const MAX_INTERFACE_FILE_BYTES = 32 << 20;

export const ENVELOPE_NAME = 'velocitas.intoto.json';

export interface VelocitasInput {
  project: string;
  version: string;
  commit?: string;
  source: SourceRef;
  /** app.velocitas.appManifest: a project path. */
  appManifest: string;
  /** <registry>/<image> and the multi-arch index the version tag points at. */
  image: { repository: string; digest: string };
}

export interface VelocitasFile {
  name: string;
  content: string;
}

export function createVelocitasActivities(deps: { key: Pick<ProvenanceKey, 'privateKey' | 'keyid'> }) {
  return {
    async velocitasManifests(input: VelocitasInput): Promise<{ files: VelocitasFile[]; desiredState: string; appName: string }> {
      requireName('project', 'project', input.project);
      requireName('version', 'version', input.version);
      if (!PROJECT_PATH.test(input.appManifest)) throw invalidInput('appManifest', `${JSON.stringify(input.appManifest)} is not a path inside the project`);
      if (!DIGEST.test(input.image.digest)) throw invalidInput('image.digest', `${JSON.stringify(input.image.digest)} is not a sha256 digest`);
      if (!REPOSITORY.test(input.image.repository)) throw invalidInput('image.repository', `${JSON.stringify(input.image.repository)} is not <registry>/<image>`);
      const path = input.appManifest.replace(/^\.\//, '');
      const refuse = (why: string) => nonRetryable(FailureType.AppManifestInvalid, `nothing was pushed: ${why}`);
      const text = await fileInTar(input.source.path, path, MAX_APP_MANIFEST_BYTES);
      if (!text) throw refuse(`the commit has no ${path} (or it is over ${MAX_APP_MANIFEST_BYTES >> 10} KiB); app.velocitas.appManifest names the app's AppManifest.json`);
      const parsed = parseAppManifest(text.toString('utf8'), path);
      if ('problems' in parsed) throw refuse(`the AppManifest is not one Velocitas can deploy:\n${parsed.problems.map((p) => `  ${p}`).join('\n')}`);
      const { manifest } = parsed;
      const md5s = new Map<string, string>();
      for (const file of localSources(manifest)) {
        const bytes = await fileInTar(input.source.path, file, MAX_INTERFACE_FILE_BYTES);
        if (!bytes) throw refuse(`${path} names ${file}, which the commit does not have (or it is over ${MAX_INTERFACE_FILE_BYTES >> 20} MiB)`);
        // md5 because Velocitas' runtimes match requirements by it; the envelope signs sha256.
        md5s.set(file, createHash('md5').update(bytes).digest('hex'));
      }
      const state = desiredState(manifest, { ...input.image, version: input.version }, (f) => md5s.get(f)!);
      const stateName = desiredStateName(manifest, input.version);
      const files: VelocitasFile[] = [
        { name: 'AppManifest.json', content: text.toString('utf8') },
        { name: stateName, content: `${JSON.stringify(state, null, 2)}\n` },
      ];
      const statement = velocitasStatement({
        project: input.project, version: input.version, ...(input.commit ? { commit: input.commit } : {}), image: input.image,
        files: files.map((f) => ({ name: f.name, sha256: createHash('sha256').update(f.content).digest('hex') })),
      });
      files.push({ name: ENVELOPE_NAME, content: `${JSON.stringify(signEnvelope(deps.key, DSSE_PAYLOAD_TYPE, statement), null, 2)}\n` });
      return { files, desiredState: stateName, appName: manifest.name };
    },
  };
}
