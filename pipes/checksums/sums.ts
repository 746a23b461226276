// The SHA256SUMS file over a release's files, in the format `sha256sum -c` reads: one line per
// file, "<hex>  <name>", sorted by name. Files are served in one folder, so two targets may
// share a name only with the same bytes. Pure.

export interface SummedFile {
  target: string;
  name: string;
  sha256: string;
}

export type Sums = { ok: true; text: string; served: { name: string; target: string }[] } | { ok: false; problem: string };

export function sha256sums(files: SummedFile[]): Sums {
  const byName = new Map<string, SummedFile>();
  for (const f of files) {
    const seen = byName.get(f.name);
    if (seen && seen.sha256 !== f.sha256) return { ok: false, problem: `targets ${seen.target} and ${f.target} both produced ${f.name} with different content; release files are served in one folder, so give each target's file its own name (e.g. with its arch)` };
    if (!seen) byName.set(f.name, f);
  }
  const sorted = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ok: true, text: sorted.map((f) => `${f.sha256}  ${f.name}\n`).join(''), served: sorted.map((f) => ({ name: f.name, target: f.target })) };
}
