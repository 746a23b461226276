// The release's artifacts as the workflow recorded them when each target was built: the map
// every later pipe's activities check files against (and read kinds from). Workflow code.
import { kindOf, type KindHints } from '../core/artifact-kinds.ts';
import type { RecordedArtifacts } from '../activities/verified-artifacts.ts';
import type { TargetResult } from '../workflows/types.ts';

/** target → name → sha256, kind and facts (inferred with `hints` for manifests written before
 *  kinds were recorded). */
export function recordedArtifacts(targets: TargetResult[], hints: KindHints = {}): RecordedArtifacts {
  return Object.fromEntries(targets.map((t) => [t.target, Object.fromEntries(t.manifest.artifacts.map((a) => [a.name, { sha256: a.sha256, ...kindOf(a, hints) }]))]));
}

/** target → name → sha256. */
export function digestsOf(targets: TargetResult[]): Record<string, Record<string, string>> {
  return Object.fromEntries(targets.map((t) => [t.target, Object.fromEntries(t.manifest.artifacts.map((a) => [a.name, a.sha256]))]));
}
