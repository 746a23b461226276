// Loads a project for release: reads and validates its tagship.yml, then packs its source tree
// into a content-addressed tarball that machines unpack. The config is checked before the
// tarball is written, so an invalid config changes nothing.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { formatConfigErrors, parseConfig, type ConfigError } from '../core/config/parse.ts';
import type { TagshipConfig } from '../core/config/schema.ts';
import { sha256File } from '../providers/artifacts-fs/store.ts';

const run = promisify(execFile);

export interface LoadProjectInput {
  projectDir: string;
  /** The project the caller meant; a mismatch with the config's `project` is an error. */
  project: string;
}

export interface SourceRef {
  /** A tar file on the orchestrator's host. */
  path: string;
  sha256: string;
}

export interface LoadProjectResult {
  config: TagshipConfig;
  source: SourceRef;
}

/** Directories that are build output or tooling, never source. */
const EXCLUDES = ['.git', 'node_modules', 'target', 'out', 'dist', '__pycache__', '.tagship'];

export type ReadConfigResult = { ok: true; config: TagshipConfig } | { ok: false; message: string; errors?: ConfigError[] };

/** Reads and validates <projectDir>/tagship.yml. Used by the loadProject activity and by
 *  clients, which check a config before they start anything. */
export async function readProjectConfig(projectDir: string, project?: string): Promise<ReadConfigResult> {
  const file = join(resolve(projectDir), 'tagship.yml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { ok: false, message: `${file} could not be read; a released project needs a tagship.yml at its root` };
  }
  const parsed = parseConfig(text);
  if (!parsed.ok) return { ok: false, message: formatConfigErrors(file, parsed.errors), errors: parsed.errors };
  if (project !== undefined && parsed.config.project !== project) {
    return { ok: false, message: `${file}: project is "${parsed.config.project}" but the release was started for "${project}"; use the project named in tagship.yml` };
  }
  return parsed;
}

export function createSourceActivities(deps: { stateDir: string }) {
  return {
    async loadProject(input: LoadProjectInput): Promise<LoadProjectResult> {
      const dir = resolve(input.projectDir);
      const parsed = await readProjectConfig(dir, input.project);
      if (!parsed.ok) throw nonRetryable(FailureType.ConfigInvalid, parsed.message, parsed.errors);

      const sources = join(deps.stateDir, 'sources');
      await mkdir(sources, { recursive: true });
      const tmp = join(sources, `.${parsed.config.project}-${process.pid}-${Date.now()}.tar`);
      try {
        // Sorted names, fixed owner and mtime: the same tree always gives the same tarball.
        await run('tar', [
          '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0',
          ...EXCLUDES.map((e) => `--exclude=./${e}`),
          '-C', dir, '-cf', tmp, '.',
        ]);
        const sha256 = await sha256File(tmp);
        // Content-addressed: build agents fetch it by its sha256 through the artifact gateway.
        const path = join(sources, `${sha256}.tar`);
        await rename(tmp, path);
        return { config: parsed.config, source: { path, sha256 } };
      } finally {
        await rm(tmp, { force: true });
      }
    },
  };
}
