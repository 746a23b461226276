// Which recorded artifacts the crates publisher sends: kind crate, of this version, named in
// publish.crates.order. Pure: the step asks it whether an earlier publish still stands, the
// activity which files to send.
import { kindOf, type ArtifactFacts, type ArtifactKind } from '../../core/artifact-kinds.ts';

export function isCrateOf(a: { name: string; kind?: ArtifactKind; facts?: ArtifactFacts }, order: string[], version: string): boolean {
  const { kind, facts } = kindOf(a);
  return kind === 'crate' && facts.version === version && order.includes(facts.name ?? '');
}
