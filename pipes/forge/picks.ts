// Which recorded artifacts go on the forge release: the files people download — archives,
// SBOMs, signatures and checksum files a build made. (The release's own SHA256SUMS, its
// signature and the provenance are added from the release's records.) Pure.
import { kindOf, type ArtifactFacts, type ArtifactKind } from '../../core/artifact-kinds.ts';

const ASSET_KINDS: readonly ArtifactKind[] = ['archive', 'sbom', 'signature', 'checksums'];

export function isForgeAsset(a: { name: string; kind?: ArtifactKind; facts?: ArtifactFacts }): boolean {
  return ASSET_KINDS.includes(kindOf(a).kind);
}
