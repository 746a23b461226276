// The machine port: what the release needs from any provider of build machines. Every call is
// idempotent by machine name, because activities are retried: create finds an existing
// machine, delete of a machine that is already gone succeeds.
import type { MachineArch } from '../core/config/schema.ts';
import type { MachineInfo } from '../core/machines.ts';

export type { MachineInfo, MachineState } from '../core/machines.ts';

export interface MachineSpec {
  /** Unique, deterministic (core/names.ts machineName): the idempotency key. */
  name: string;
  arch: MachineArch;
  image: string;
  size: string;
  labels: Record<string, string>;
  /** What the machine builds: its agent's gateway token is bound to it. */
  scope?: { project: string; version: string; target: string };
  /** Outbound network for the build (tagship.yml `network: true`); never to the control plane. */
  network?: boolean;
}



export type DeleteOutcome = 'deleted' | 'already-gone';

export interface MachineProvider {
  readonly kind: string;
  create(spec: MachineSpec): Promise<MachineInfo>;
  describe(name: string): Promise<MachineInfo | null>;
  delete(name: string): Promise<DeleteOutcome>;
  /** Machines carrying every given label (value '' matches any value). */
  list(labels: Record<string, string>): Promise<MachineInfo[]>;
  /** Puts the root filesystem of a build environment image in `dir` on the machine, where its
   *  agent runs the builds inside it. Providers without it cannot run such environments. */
  loadEnvironment?(machine: string, image: string, dir: string): Promise<void>;
}

/** A command run on a machine, and what came of it. */
export interface ExecRequest {
  command: string;
  env: Record<string, string>;
  workdir: string;
  /** Called with each chunk of output, for heartbeats and progress. */
  onOutput?: (chunk: string) => void;
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
  /** The last lines of combined stdout and stderr. */
  outputTail: string;
}

/** Direct access to a machine's shell and files (the docker provider has it; the build agent
 * replaces it on machines the orchestrator cannot reach). */
export interface MachineShell {
  exec(machine: string, req: ExecRequest): Promise<ExecResult>;
  /** Unpack a tar file from this host into a directory on the machine. */
  putTar(machine: string, tarPath: string, dir: string): Promise<void>;
  /** The bytes of a regular file on the machine, at most `maxBytes`; a missing file, a
   *  symlink or anything else, or a larger file is a MachineFileError. */
  readFile(machine: string, path: string, maxBytes: number): Promise<Buffer>;
}

/** Why a file could not be read from a machine (whatever is on a machine is hostile). */
export class MachineFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: 'missing' | 'not-a-file' | 'too-large',
    detail: string,
  ) {
    super(`${path} ${detail}`);
    this.name = 'MachineFileError';
  }
}

/** A provider failure the caller can act on; `retryable: false` means a retry cannot help. */
export class ProviderError extends Error {
  constructor(
    readonly failureType: 'ImageMissing' | 'MachineLost' | 'ProviderRejected',
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}
