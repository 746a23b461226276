// Activities the build agent runs on its own machine: say hello (enrolment), build, upload.
// The orchestrator sends them to the machine's task queue; nothing connects in to the machine.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chown, mkdir, rm } from 'node:fs/promises';
import { arch, hostname } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { commandFailure, FailureType, nonRetryable } from '../core/failures.ts';
import { ENV_ROOT, buildEnvironment, redactor } from '../core/build-env.ts';
import type { ArtifactEntry, ArtifactKey, TargetManifest } from '../ports/artifacts.ts';
import type { KindHints } from '../core/artifact-kinds.ts';
import type { ArtifactSpec } from '../core/plan.ts';
import { withHeartbeat } from './heartbeat.ts';
import { fetchSharedFile } from './agent-fetch.ts';
import { runCommandSteps } from './command-steps.ts';
import { spawnSandboxed, type SandboxSpec } from '../providers/sandbox/build-sandbox.ts';
import { proxyVariables } from '../providers/net/egress-proxy.ts';
import { restoreCache, saveCache } from './agent-cache.ts';
import { cacheTally, lockFilesOf } from './cache-offer.ts';
import { expandGlobs, stageArtifacts, type ArtifactLimits, type RunAsBuild } from './agent-artifacts.ts';
import type { CommandResult } from './build.ts';
import { DEFAULT_LIMITS, MIB } from '../core/limits.ts';

/** For uploads asked for before tagship.yml had limits (their inputs are in running histories). */
export const DEFAULT_ARTIFACT_LIMITS: ArtifactLimits = { bytes: DEFAULT_LIMITS.targetMiB * MIB, files: DEFAULT_LIMITS.filesPerTarget };

export interface AgentDeps {
  machine: string;
  gatewayUrl: string;
  token: string;
  /** Where sources are unpacked; /work on a machine. */
  workdir: string;
  /** Values no output may carry (the token, codec keys): redacted from every tail. */
  secrets?: string[];
  /** The unprivileged user build commands run as (when the agent runs as root): it owns the
   *  source tree and the build's HOME, and cannot read the agent's environment or files. Every
   *  command then runs sandboxed (providers/sandbox/build-sandbox.ts). */
  buildUser?: { uid: number; gid: number };
  /** tagship's egress proxy (its URL): `network: true` builds reach the registries through it. */
  egressProxy?: string;
  /** Whether the machine can reach the artifact store itself (droplets): artifacts then go
   *  straight there through URLs the gateway presigns, when the store offers them. */
  directUploads?: boolean;
}

/** Stages one artifact straight into the store: the gateway presigns a PUT for exactly these
 *  bytes, which then go to the store, never through the orchestrator's host. Null when the
 *  store offers no such URLs (the caller uploads through the gateway). */
async function uploadDirect(announceUrl: string, headers: Record<string, string>, body: () => ReadableStream, target: string, signal: AbortSignal): Promise<ArtifactEntry | null> {
  const res = await fetch(announceUrl, { method: 'POST', headers, signal });
  const answer = (await res.json().catch(() => ({}))) as { url?: string; headers?: Record<string, string>; entry?: ArtifactEntry; error?: string; message?: string };
  if (res.status === 404 && answer.error === 'NoDirectUploads') return null;
  if (res.status === 400) throw nonRetryable(FailureType.BadArtifact, `target ${target}: ${answer.message ?? answer.error}`);
  if (!res.ok || !answer.url || !answer.entry) throw new Error(`announcing ${answer.entry?.name ?? announceUrl} failed: HTTP ${res.status} ${answer.message ?? answer.error ?? ''}`);
  const put = await fetch(answer.url, { method: 'PUT', headers: answer.headers ?? {}, body: body(), duplex: 'half', signal } as RequestInit);
  if (put.ok) return answer.entry;
  const reason = (await put.text().catch(() => '')).match(/<Code>([^<]+)<\/Code>/)?.[1] ?? '';
  // The store computed another digest than the machine did: the bytes changed on the way.
  if (reason === 'BadDigest' || reason === 'XAmzContentSHA256Mismatch') throw nonRetryable(FailureType.ChecksumMismatch, `target ${target}: the store received ${answer.entry.name} with another sha256 than ${answer.entry.sha256}; it was corrupted in transit and was not stored`);
  throw new Error(`uploading ${answer.entry.name} to the store failed: HTTP ${put.status} ${reason}`);
}

export interface AgentHello {
  machine: string;
  arch: string;
  node: string;
  hostname: string;
}

export interface AgentBuildInput {
  target: string;
  source: { sha256: string };
  commands: string[];
  env: Record<string, string>;
  /** Outbound network for the build's commands (tagship.yml `network: true`). */
  network?: boolean;
  /** A build environment put on this machine (ENV_ROOT) before the build: the commands run
   *  inside it, with its image's ENV. With `rootfs`, its files are a shared file this agent
   *  fetches (checked by sha256) and unpacks as the build user before each build. */
  environment?: { image: string; env: string[]; rootfs?: { sha256: string } };
}

export interface AgentUploadInput {
  key: ArtifactKey;
  /** The target's artifact specs (plain globs from releases planned before kinds). */
  globs: (ArtifactSpec | string)[];
  /** What inferring a plain glob's kinds needs (core/artifact-kinds.ts). */
  kindHints?: KindHints;
  createdAt: string;
  /** Recorded in the manifest, so a retry reuses the target only for the same source. */
  sourceSha256?: string;
  /** The released commit, recorded in the manifest. */
  commit?: string;
  /** Recorded in the manifest for the artifact purge (tagship.yml's retention.days). */
  retentionDays?: number;
  /** tagship.yml's limits for one target's artifacts. */
  limits?: ArtifactLimits;
}

/** Runs `sh -c command` in its own process group so a cancellation stops all of it, with
 *  exactly the environment given (never the agent's own, which holds its secrets). With a
 *  sandbox (an agent running as root), in namespaces of its own as the build user. */
function runShell(command: string, cwd: string, env: Record<string, string>, signal: AbortSignal, onOutput: (s: string) => void, sandbox?: SandboxSpec): Promise<number> {
  return new Promise((resolve, reject) => {
    const { child, ready } = sandbox
      ? spawnSandboxed(command, sandbox, { cwd, env })
      : { child: spawn('sh', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }), ready: Promise.resolve() };
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    signal.addEventListener('abort', kill, { once: true });
    ready.catch((err: unknown) => {
      onOutput(`tagship: ${err instanceof Error ? err.message : String(err)}\n`);
      kill();
    });
    child.stdout!.on('data', (b: Buffer) => onOutput(b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => onOutput(b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, sig) => {
      signal.removeEventListener('abort', kill);
      if (signal.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('cancelled'));
      resolve(code ?? (sig ? 128 : 1));
    });
  });
}

export function createAgentActivities(deps: AgentDeps) {
  const auth = { authorization: `Bearer ${deps.token}` };
  const srcDir = join(deps.workdir, 'src');
  // The build's own HOME (caches of cargo, pip and the like), outside the source tree.
  const home = join(deps.workdir, 'home');
  // The agent's copies of the artifacts, which no build process can reach.
  const stagingDir = join(deps.workdir, 'staging');
  const proxyUrl = deps.egressProxy ? new URL(deps.egressProxy) : undefined;
  const proxy = proxyUrl ? { address: proxyUrl.hostname, port: Number(proxyUrl.port || 80) } : undefined;
  const sandbox = (network: boolean, root?: string): SandboxSpec | undefined =>
    deps.buildUser ? { user: deps.buildUser, network, ...(root ? { root } : {}), ...(network && proxy ? { proxy } : {}) } : undefined;
  const redact = redactor([deps.token, ...(deps.secrets ?? [])]);
  const fetchShared = (sha256: string, path: string, what: string, signal: AbortSignal) =>
    fetchSharedFile({ gatewayUrl: deps.gatewayUrl, headers: auth, direct: deps.directUploads === true }, sha256, path, what, signal);

  return {
    /** Its completion is the proof that the machine's agent enrolled and polls its queue. */
    agentHello(): Promise<AgentHello> {
      return Promise.resolve({ machine: deps.machine, arch: arch(), node: process.version, hostname: hostname() });
    },

    async agentBuild(input: AgentBuildInput): Promise<CommandResult> {
      return withHeartbeat(async (hb) => {
        hb.update({ step: 0, of: input.commands.length, command: 'fetching source', tail: '' });
        await rm(srcDir, { recursive: true, force: true });
        await rm(home, { recursive: true, force: true });
        await mkdir(srcDir, { recursive: true });
        await mkdir(home, { recursive: true });
        if (deps.buildUser) {
          await chown(srcDir, deps.buildUser.uid, deps.buildUser.gid);
          await chown(home, deps.buildUser.uid, deps.buildUser.gid);
        }
        // Only a sandboxing agent (root) can run commands inside an environment's files.
        if (input.environment && !deps.buildUser) throw nonRetryable(FailureType.ConfigInvalid, `this agent does not run as root, so it cannot run builds inside the environment ${input.environment.image}`);
        const tarPath = join(deps.workdir, 'source.tar');
        await fetchShared(input.source.sha256, tarPath, 'the source', hb.signal);
        // Unpacked by the build user too: whatever the tarball holds lands with its rights.
        const untar = await runShell(`tar -xf ${tarPath} -C ${srcDir}`, deps.workdir, buildEnvironment({}, home), hb.signal, () => {}, sandbox(false));
        if (untar !== 0) throw new Error('unpacking the source failed');
        const rootfs = input.environment?.rootfs;
        if (rootfs && deps.buildUser) {
          // Each attempt starts from the environment's own files, unpacked by the build user: an
          // image's setuid bits, devices and owners are not recreated, and no link in it can make
          // the unpacking write where the build itself could not. (The sandbox binds /dev.)
          hb.update({ step: 0, of: input.commands.length, command: 'fetching the build environment', tail: '' });
          const envTar = join(deps.workdir, 'environment.tar');
          await fetchShared(rootfs.sha256, envTar, 'the build environment', hb.signal);
          await rm(ENV_ROOT, { recursive: true, force: true });
          await mkdir(ENV_ROOT, { recursive: true });
          await chown(ENV_ROOT, deps.buildUser.uid, deps.buildUser.gid);
          const unpacked = await runShell(`tar -xf ${envTar} -C ${ENV_ROOT} --exclude='dev/*'`, deps.workdir, buildEnvironment({}, home), hb.signal, () => {}, sandbox(false));
          await rm(envTar, { force: true });
          if (unpacked !== 0) throw new Error('unpacking the build environment failed');
        }

        const env = { ...buildEnvironment(input.env, home, input.environment?.env), ...(input.network && deps.egressProxy ? proxyVariables(deps.egressProxy) : {}) };
        const root = input.environment ? ENV_ROOT : undefined;
        // The project's dependency caches: in before the build, the new files back after it. A
        // cache that cannot be read or written costs downloads, never the build.
        const io = { gatewayUrl: deps.gatewayUrl, headers: auth, workdir: deps.workdir, home };
        const asBuild = (command: string) => runShell(command, srcDir, env, hb.signal, () => {}, sandbox(false, root));
        const locks = await lockFilesOf(tarPath);
        const tally = cacheTally();
        let restored = 0;
        for (const family of locks.keys()) restored += await restoreCache(io, family, asBuild).catch(tally.noted(`${family.name} not restored`));
        const last = await runCommandSteps(input.commands, hb, (command, onOutput) => runShell(command, srcDir, env, hb.signal, onOutput, sandbox(input.network === true, root)), { redact });
        if (last.exitCode !== 0) throw commandFailure(FailureType.BuildFailed, `The build of ${input.target}`, { ...last, target: input.target, step: 'build' });
        let stored = 0;
        for (const [family, texts] of locks) stored += await saveCache(io, family, asBuild, texts).catch(tally.noted(`${family.name} not saved`));
        return locks.size ? { ...last, cache: tally.result(restored, stored) } : last;
      });
    },

    /** Takes the build's artifacts into the agent's own copies (checked, hashed: see
     *  agent-artifacts.ts), uploads each, and checks the gateway stored the same hash. */
    async agentUpload(input: AgentUploadInput): Promise<TargetManifest> {
      const asBuild: RunAsBuild = async (command) => {
        let output = '';
        const code = await runShell(command, srcDir, buildEnvironment({}, home), new AbortController().signal, (s) => (output += s), sandbox(false));
        return { code, output };
      };
      const { project, version, target } = input.key;
      const paths = await expandGlobs(target, input.globs, asBuild);
      const staged = await stageArtifacts({ target, srcDir, stagingDir, paths, limits: input.limits ?? DEFAULT_ARTIFACT_LIMITS, ...(input.kindHints ? { hints: input.kindHints } : {}), ...(deps.buildUser ? { owner: deps.buildUser.uid } : {}) });

      const base = `${deps.gatewayUrl}/artifacts/${project}/${version}/${target}`;
      const artifacts: ArtifactEntry[] = [];
      let direct = deps.directUploads === true;
      // Progress goes out with the heartbeats (a large artifact over a slow link is minutes),
      // and a cancelled or timed-out attempt stops sending at once: it never races its retry.
      await withHeartbeat(async (hb) => {
        for (const [i, { name, kind, facts, staged: full, sha256, size }] of staged.entries()) {
          let sent = 0;
          hb.update({ file: name, of: `${i + 1}/${staged.length}`, sent, size });
          const counted = () => Readable.toWeb(createReadStream(full).on('data', (chunk) => hb.update({ file: name, of: `${i + 1}/${staged.length}`, sent: (sent += chunk.length), size }))) as ReadableStream;
          const announce = { ...auth, 'x-tagship-sha256': sha256, 'x-tagship-created-at': input.createdAt };
          let body: (ArtifactEntry & { error?: string; message?: string }) | null = null;
          if (direct) {
            body = await uploadDirect(`${deps.gatewayUrl}/uploads/${project}/${version}/${target}/${encodeURIComponent(name)}`, { ...announce, 'x-tagship-size': String(size) }, counted, target, hb.signal);
            // The store takes uploads through the gateway only: so for every file.
            if (!body) direct = false;
          }
          if (!body) {
            const res = await fetch(`${base}/${encodeURIComponent(name)}`, {
              method: 'PUT',
              headers: { ...announce, 'content-length': String(size) },
              body: counted(),
              duplex: 'half',
              signal: hb.signal,
            } as RequestInit);
            body = (await res.json()) as ArtifactEntry & { error?: string; message?: string };
            if (res.status === 422 && body.error === 'ChecksumMismatch') {
              throw nonRetryable(FailureType.ChecksumMismatch, `target ${target}: ${body.message}`);
            }
            // A name the store does not take: no retry can change it.
            if (res.status === 400) throw nonRetryable(FailureType.BadArtifact, `target ${target}: ${body.message ?? body.error}`);
            if (!res.ok) throw new Error(`uploading ${name} failed: HTTP ${res.status} ${body.error ?? ''}`);
          }
          if (body.sha256 !== sha256 || body.size !== size) {
            throw nonRetryable(FailureType.ChecksumMismatch, `target ${target}: the store recorded ${name} as ${body.sha256} (${body.size} bytes), the machine has ${sha256} (${size} bytes)`);
          }
          artifacts.push({ ...body, kind, facts });
        }
      });
      const manifest: TargetManifest = {
        project, version, target, artifacts,
        ...(input.sourceSha256 ? { sourceSha256: input.sourceSha256 } : {}),
        ...(input.commit ? { commit: input.commit } : {}),
        ...(input.retentionDays ? { retentionDays: input.retentionDays } : {}),
      };
      const res = await fetch(`${deps.gatewayUrl}/manifests/${project}/${version}/${target}`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(manifest),
      });
      const answer = (await res.json().catch(() => ({}))) as { manifest?: TargetManifest; error?: string; message?: string };
      // Stored artifacts are never replaced: the store already holds this target from other source.
      if (res.status === 409 && answer.error === 'ArtifactSealed') throw nonRetryable(FailureType.ArtifactSealed, `target ${target}: ${answer.message}`);
      if (!res.ok || !answer.manifest) throw new Error(`writing the manifest failed: HTTP ${res.status} ${answer.message ?? answer.error ?? ''}`);
      // The manifest that stands: ours, or the one a first build from this same source stored.
      return answer.manifest;
    },
  };
}
