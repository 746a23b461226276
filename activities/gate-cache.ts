// The test gate's side of a project's dependency caches. The gate runs in a container on the
// orchestrator's host, so it reads and writes the project's cache folders directly (builds on
// machines go through the gateway: activities/agent-cache.ts). Cached files go in before the
// tests and, after the tests passed, what they downloaded comes back — only what the tagged
// commit's own lock files vouch for, read from a tar the container wrote, as a regular file,
// bounded.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { CacheFamily } from '../core/dependency-cache.ts';
import type { MachineShell } from '../ports/machines.ts';
import type { DependencyCaches } from '../providers/gateway/dependency-caches.ts';
import { offerCommand, offerVouched } from './cache-offer.ts';

/** The most the orchestrator reads of the gate's tar of cached files. */
const MAX_OFFER_BYTES = 1 << 30;

export interface GateCache {
  caches: DependencyCaches;
  project: string;
  shell: MachineShell;
  machine: string;
  /** The gate's environment (its HOME, CARGO_HOME, PIP_CACHE_DIR decide where the tools look). */
  env: Record<string, string>;
}

const offerPath = (family: CacheFamily) => `/tmp/.tagship-${family.name}-cache.tar`;

/** Puts the project's cached files where the family's tool looks in the gate container; how many. */
export async function restoreForGate(g: GateCache, family: CacheFamily): Promise<number> {
  const entries = await g.caches.list(g.project, family);
  if (!entries.length) return 0;
  const where = await g.shell.exec(g.machine, { command: `c=${family.folder}; mkdir -p "$c" && printf '%s' "$c"`, env: g.env, workdir: '/' });
  const dir = where.outputTail.trim();
  if (where.exitCode !== 0 || !/^\/[^\n]*$/.test(dir)) throw new Error(`finding the gate's ${family.name} cache folder failed (exit ${where.exitCode})`);
  const scratch = await mkdtemp(join(tmpdir(), 'tagship-gate-cache-'));
  try {
    const pack = tar.pack();
    const written = pipeline(pack, createWriteStream(join(scratch, 'crates.tar')));
    for (const e of entries) {
      const found = await g.caches.open(g.project, family, e.dir, e.file);
      if (!found) continue;
      const entry = pack.entry({ name: family.placeOf(e.dir, e.file), size: found.size, mode: 0o644 });
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

/** Keeps the files the passed gate downloaded that the family's lock files vouch for; how many. */
export async function saveFromGate(g: GateCache, family: CacheFamily, lockFiles: readonly string[]): Promise<number> {
  const locked = family.vouched(lockFiles);
  if (!locked.size) return 0;
  const offer = offerPath(family);
  const made = await g.shell.exec(g.machine, { command: offerCommand(family, offer, 3), env: g.env, workdir: '/' });
  if (made.exitCode !== 0) return 0;
  const bytes = await g.shell.readFile(g.machine, offer, MAX_OFFER_BYTES).catch(() => null);
  if (!bytes) return 0;
  const have = new Set((await g.caches.list(g.project, family)).map((e) => `${e.dir}/${e.file}`));
  return offerVouched(family, Readable.from([bytes]), locked, have, (dir, file, sha256, content) => g.caches.put(g.project, family, dir, file, sha256, Readable.from([content])));
}
