// Which recorded artifacts the Python publisher sends: the wheels and sdist whose recorded
// distribution is the package. Pure: shared by the step (is an earlier publish still done?)
// and the activity (what to upload).
import { kindOf, normalizeDistribution, type ArtifactFacts, type ArtifactKind } from '../../core/artifact-kinds.ts';

export function isDistOf(a: { name: string; kind?: ArtifactKind; facts?: ArtifactFacts }, pkg: string): boolean {
  const { kind, facts } = kindOf(a, { pythonDistributions: [pkg] });
  return (kind === 'wheel' || kind === 'sdist') && normalizeDistribution(facts.distribution ?? '') === normalizeDistribution(pkg);
}
