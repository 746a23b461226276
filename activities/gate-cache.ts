// The test gate's side of a project's cargo cache. The gate runs in a container on the
// orchestrator's host, so it reads and writes the project's cache folder directly (builds on
// machines go through the gateway: activities/agent-cache.ts). Crates go in before the tests and,
// after the tests passed, what they downloaded comes back — only the crates the tagged commit's
// own Cargo.lock vouches for, read from a tar the container wrote, as a regular file, bounded.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { lockedChecksums } from '../core/dependency-cache.ts';
import type { MachineShell } from '../ports/machines.ts';
import type { DependencyCaches } from '../providers/gateway/dependency-caches.ts';
import { CARGO_CACHE, offerVouchedCrates } from './cargo-cache.ts';

/** The most the orchestrator reads of the gate's tar of crates. */
const MAX_OFFER_BYTES = 1 << 30;
const OFFER = '/tmp/.tagship-cargo-cache.tar';

export interface GateCache {
  caches: DependencyCaches;
  project: string;
  shell: MachineShell;
  machine: string;
  /** The gate's environment (its HOME and CARGO_HOME decide where cargo looks). */
  env: Record<string, string>;
}

/** Puts the project's cached crates in the gate container's CARGO_HOME; how many. */
export async function restoreForGate(g: GateCache): Promise<number> {
  const entries = await g.caches.list(g.project);
  if (!entries.length) return 0;
  const where = await g.shell.exec(g.machine, { command: `c=${CARGO_CACHE}; mkdir -p "$c" && printf '%s' "$c"`, env: g.env, workdir: '/' });
  const dir = where.outputTail.trim();
  if (where.exitCode !== 0 || !/^\/[^\n]*$/.test(dir)) throw new Error(`finding the gate's cargo cache folder failed (exit ${where.exitCode})`);
  const scratch = await mkdtemp(join(tmpdir(), 'tagship-gate-cache-'));
  try {
    const pack = tar.pack();
    const written = pipeline(pack, createWriteStream(join(scratch, 'crates.tar')));
    for (const e of entries) {
      const found = await g.caches.open(g.project, e.dir, e.file);
      if (!found) continue;
      const entry = pack.entry({ name: `${e.dir}/${e.file}`, size: found.size, mode: 0o644 });
      await pipeline(found.stream, entry);
    }
    pack.finalize();
    await written;
    await g.shell.putTar(g.machine, join(scratch, 'crates.tar'), dir);
    return entries.length;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Keeps the crates the passed gate downloaded that the lock files vouch for; how many. */
export async function saveFromGate(g: GateCache, lockFiles: readonly string[]): Promise<number> {
  const locked = lockedChecksums(lockFiles);
  if (!locked.size) return 0;
  const made = await g.shell.exec(g.machine, { command: `c=${CARGO_CACHE}; rm -f ${OFFER}; [ -d "$c" ] || exit 3; cd "$c" && find . -mindepth 2 -maxdepth 2 -type f -name '*.crate' | tar -cf ${OFFER} -T -`, env: g.env, workdir: '/' });
  if (made.exitCode !== 0) return 0;
  const bytes = await g.shell.readFile(g.machine, OFFER, MAX_OFFER_BYTES).catch(() => null);
  if (!bytes) return 0;
  const have = new Set((await g.caches.list(g.project)).map((e) => `${e.dir}/${e.file}`));
  return offerVouchedCrates(Readable.from([bytes]), locked, have, (dir, file, sha256, crate) => g.caches.put(g.project, dir, file, sha256, Readable.from([crate])));
}
