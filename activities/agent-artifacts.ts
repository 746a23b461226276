// How the agent takes a build's artifacts: the globs are expanded by the build user (in the
// build's sandbox, so they list only what the build can see), every path is opened beneath the
// source folder without following any link (providers/files/confined.ts), must be a regular
// file the build user owns (a hard link to a root-only file is root's) and within the size
// limits, and is copied from that one descriptor into a folder only the agent reads, hashed
// on the way. Everything after — the upload, its checksum — uses the copy, which no build
// process can touch (they all died with their command's pid namespace).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { storeNameProblem } from '../core/store-names.ts';
import { describeArtifact, type ArtifactFacts, type BuildKind, type KindHints } from '../core/artifact-kinds.ts';
import type { ArtifactSpec } from '../core/plan.ts';
import { ConfinedPathError, confinedPathProblem, openConfined } from '../providers/files/confined.ts';

export interface ArtifactLimits {
  /** All artifacts of one target together, by apparent size (a sparse file counts whole). */
  bytes: number;
  files: number;
}

export interface StagedArtifact {
  name: string;
  /** Decided here, once: declared in tagship.yml or inferred from the name. */
  kind: BuildKind;
  facts: ArtifactFacts;
  /** The build's path, relative to the source folder. */
  path: string;
  /** The agent's own copy. */
  staged: string;
  sha256: string;
  size: number;
}

/** Runs a shell command as the build would (sandboxed, as the build user); resolves to its exit
 *  code and everything it printed. */
export type RunAsBuild = (command: string) => Promise<{ code: number; output: string }>;

const bad = (target: string, message: string) => nonRetryable(FailureType.BadArtifact, `target ${target}: ${message}`);

/** A file a glob matched, with the kind its spec declares. */
export interface MatchedPath {
  path: string;
  kind?: BuildKind;
}

/** The paths the globs match, as the build user sees them; NUL-separated so that no name can
 *  pass for two. Folders are skipped (an `out/*` may match one); anything else is listed and
 *  then judged. Plain strings are specs from before kinds (a release running across the upgrade). */
export async function expandGlobs(target: string, specs: (ArtifactSpec | string)[], run: RunAsBuild): Promise<MatchedPath[]> {
  const paths: MatchedPath[] = [];
  for (const spec of specs) {
    const { path: glob, kind } = typeof spec === 'string' ? { path: spec, kind: undefined } : spec;
    // Globs are validated by the config schema (no quotes, spaces or metacharacters beyond
    // * ? [ ]), so they are safe to expand unquoted here.
    const { code, output } = await run(`for f in ${glob}; do if [ -L "$f" ] || { [ -e "$f" ] && [ ! -d "$f" ]; }; then printf '%s\\0' "$f"; fi; done; true`);
    const matched = output.split('\0').filter(Boolean);
    if (code !== 0 || matched.length === 0) {
      throw nonRetryable(FailureType.ArtifactMissing, `target ${target}: artifact glob "${glob}" matched no file after the build; check the build commands and the artifacts list in tagship.yml`);
    }
    paths.push(...matched.map((path) => ({ path, ...(kind ? { kind } : {}) })));
  }
  return paths;
}

/** Checks and copies every matched file into `stagingDir`, in name order. */
export async function stageArtifacts(input: { target: string; srcDir: string; stagingDir: string; paths: MatchedPath[]; owner?: number; limits: ArtifactLimits; hints?: KindHints }): Promise<StagedArtifact[]> {
  const { target, limits } = input;
  const byName = new Map<string, string>();
  const described = new Map<string, { kind: BuildKind; facts: ArtifactFacts }>();
  for (const { path, kind } of input.paths) {
    const pathProblem = confinedPathProblem(path);
    if (pathProblem) throw bad(target, `artifact ${JSON.stringify(path)} ${pathProblem}; artifacts must be plainly named files inside the source folder`);
    const name = basename(path);
    const problem = storeNameProblem('artifact', name);
    if (problem) throw bad(target, `artifact ${path}: ${problem}`);
    const prior = byName.get(name);
    if (prior !== undefined && prior !== path) {
      throw nonRetryable(FailureType.ArtifactMissing, `target ${target}: two artifacts are both named ${name} (${prior}, ${path}); artifact names must be unique per target`);
    }
    // A file two globs match takes the first one's kind.
    if (prior !== undefined) continue;
    const what = describeArtifact(name, kind, input.hints);
    if (!what.ok) throw bad(target, `artifact ${path} ${what.problem}`);
    byName.set(name, path);
    described.set(name, { kind: what.kind, facts: what.facts });
  }
  if (byName.size > limits.files) throw bad(target, `the artifact globs matched ${byName.size} files, more than the ${limits.files} allowed (limits.filesPerTarget in tagship.yml)`);

  await rm(input.stagingDir, { recursive: true, force: true });
  await mkdir(input.stagingDir, { recursive: true, mode: 0o700 });
  const staged: StagedArtifact[] = [];
  let total = 0;
  for (const [name, path] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
    const opened = await openConfined(input.srcDir, path).catch((err: unknown) => {
      if (err instanceof ConfinedPathError) throw bad(target, `artifact ${path} ${err.reason}; artifacts must be regular files the build wrote inside its source folder${/symbolic link/.test(err.reason) ? ' — name the file a link points to in the artifacts globs, or pack links into an archive (tar keeps them)' : ''}`);
      throw err;
    });
    const { file, stat } = opened;
    try {
      if (input.owner !== undefined && stat.uid !== input.owner) {
        throw bad(target, `artifact ${path} belongs to uid ${stat.uid}, not to the build (uid ${input.owner}): a hard link to a file the build did not write`);
      }
      total += stat.size;
      if (total > limits.bytes) throw bad(target, `artifact ${path} (${stat.size} bytes) takes the target's artifacts past the ${limits.bytes} bytes allowed (limits.targetMiB in tagship.yml)`);
      const hash = createHash('sha256');
      let read = 0;
      const counted = new Transform({
        transform(chunk: Buffer, _enc, done) {
          read += chunk.length;
          // The file was checked at stat.size; it cannot grow past it (no build process lives).
          if (read > stat.size) return done(bad(target, `artifact ${path} grew while it was read`));
          hash.update(chunk);
          done(null, chunk);
        },
      });
      const copy = join(input.stagingDir, name);
      await pipeline(file.createReadStream({ autoClose: false }), counted, createWriteStream(copy, { mode: 0o600 }));
      if (read !== stat.size) throw bad(target, `artifact ${path} shrank while it was read (${read} of ${stat.size} bytes)`);
      staged.push({ name, ...described.get(name)!, path, staged: copy, sha256: hash.digest('hex'), size: read });
    } finally {
      await file.close().catch(() => undefined);
    }
  }
  return staged;
}
