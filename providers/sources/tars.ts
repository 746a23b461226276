// Packed sources by content address, on any worker host: the host that packs a release's source
// keeps it in its folder and shares it through the artifact store; a step that runs on another
// host (or after the folder was lost) fetches it from there, verified. A step names a source by
// its sha256 only — never by a path a workflow carried from another host.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactStore } from '../../ports/artifacts.ts';

export class SourceMissingError extends Error {
  constructor(sha256: string) {
    super(`the packed source ${sha256.slice(0, 12)} is neither in this host's folder nor in the artifact store; with several worker hosts, share a store between them (TAGSHIP_S3_BUCKET)`);
    this.name = 'SourceMissingError';
  }
}

export class SourceTars {
  constructor(
    readonly dir: string,
    private readonly store: Pick<ArtifactStore, 'shareSource' | 'fetchSource'>,
  ) {}

  /** Where this host keeps the source with this sha256 (refused unless it is one). */
  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`${JSON.stringify(sha256)} is not a source's sha256`);
    return join(this.dir, `${sha256}.tar`);
  }

  /** Shares a source just packed here (at pathOf(sha256)). */
  async share(sha256: string): Promise<void> {
    await this.store.shareSource(sha256, this.pathOf(sha256));
  }

  /** A file on this host with the source's bytes: kept here, or fetched from the store. */
  async local(sha256: string): Promise<string> {
    const path = this.pathOf(sha256);
    if (await stat(path).then((s) => s.isFile(), () => false)) return path;
    if (await this.store.fetchSource(sha256, path)) return path;
    throw new SourceMissingError(sha256);
  }
}

/** One host's sources and nothing shared (a gateway on its own, in tests and tools). */
export function localSources(dir: string): SourceTars {
  return new SourceTars(dir, { shareSource: () => Promise.resolve(), fetchSource: () => Promise.resolve(false) });
}
