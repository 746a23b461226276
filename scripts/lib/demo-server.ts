// The demo's persistent Temporal dev server: SQLite under .tagship/, Web UI on 8233. Started
// once, reused by later demos, left running for inspection until `npm run demo -- --stop`.
import { existsSync, openSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { REPO_ROOT } from '../../providers/paths.ts';
import { join } from 'node:path';
import { ensureSearchAttributes, startDevServer } from './temporal-server.ts';
import { portAnswers } from '../../providers/net/ports.ts';
import { startOciRegistry } from '../../embedded/oci-registry.ts';

export const DEMO_PORT = 7233;
export const DEMO_UI_PORT = 8233;

interface ServerRecord {
  pid: number;
  address: string;
  uiUrl: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function ensureDemoServer(stateDir: string): Promise<ServerRecord & { reused: boolean }> {
  const recordFile = join(stateDir, 'demo-server.json');
  if (existsSync(recordFile)) {
    const rec = JSON.parse(readFileSync(recordFile, 'utf8')) as ServerRecord;
    if (alive(rec.pid) && (await portAnswers(DEMO_PORT))) {
      await ensureSearchAttributes(rec.address);
      return { ...rec, reused: true };
    }
    rmSync(recordFile, { force: true });
  }
  if (await portAnswers(DEMO_PORT)) {
    throw new Error(`port ${DEMO_PORT} is taken by a process tagship did not start; stop it, or set TEMPORAL_ADDRESS to that server and run the worker yourself`);
  }
  const server = await startDevServer({
    port: DEMO_PORT,
    uiPort: DEMO_UI_PORT,
    dbFile: join(stateDir, 'temporal.db'),
    logFile: join(stateDir, 'logs', 'temporal-server.log'),
    detached: true,
  });
  const rec: ServerRecord = { pid: server.pid, address: server.address, uiUrl: server.uiUrl! };
  writeFileSync(recordFile, JSON.stringify(rec, null, 2));
  return { ...rec, reused: false };
}

export function stopDemoServer(stateDir: string): string {
  const recordFile = join(stateDir, 'demo-server.json');
  if (!existsSync(recordFile)) return 'no demo server is recorded as running';
  const rec = JSON.parse(readFileSync(recordFile, 'utf8')) as ServerRecord;
  rmSync(recordFile, { force: true });
  if (!alive(rec.pid)) return `demo server (pid ${rec.pid}) had already stopped`;
  process.kill(rec.pid, 'SIGTERM');
  return `stopped the demo server (pid ${rec.pid}); its history stays in ${join(stateDir, 'temporal.db')}`;
}

export const DEMO_REPO_PORT = 8480;

/** The demo's repo server, started detached like the Temporal server and stopped with it. */
export async function ensureDemoRepoServer(stateDir: string, repoRoot: string): Promise<{ url: string; pid: number; reused: boolean }> {
  const recordFile = join(stateDir, 'demo-repo-server.json');
  const url = `http://127.0.0.1:${DEMO_REPO_PORT}`;
  if (existsSync(recordFile)) {
    const rec = JSON.parse(readFileSync(recordFile, 'utf8')) as { pid: number };
    if (alive(rec.pid) && (await portAnswers(DEMO_REPO_PORT))) return { url, pid: rec.pid, reused: true };
    rmSync(recordFile, { force: true });
  }
  if (await portAnswers(DEMO_REPO_PORT)) throw new Error(`port ${DEMO_REPO_PORT} is taken by a process tagship did not start; stop it and run the demo again`);
  const out = openSync(join(stateDir, 'logs', 'repo-server.log'), 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'repo-server.ts'), '--port', String(DEMO_REPO_PORT), '--root', repoRoot], { cwd: REPO_ROOT, stdio: ['ignore', out, out], detached: true });
  child.unref();
  for (let i = 0; i < 100 && !(await portAnswers(DEMO_REPO_PORT)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await portAnswers(DEMO_REPO_PORT))) throw new Error(`the repo server did not start; see ${join(stateDir, 'logs', 'repo-server.log')}`);
  writeFileSync(recordFile, JSON.stringify({ pid: child.pid }));
  return { url, pid: child.pid!, reused: false };
}

export function stopDemoRepoServer(stateDir: string): string {
  const recordFile = join(stateDir, 'demo-repo-server.json');
  if (!existsSync(recordFile)) return 'no demo repo server is recorded as running';
  const rec = JSON.parse(readFileSync(recordFile, 'utf8')) as { pid: number };
  rmSync(recordFile, { force: true });
  if (!alive(rec.pid)) return `demo repo server (pid ${rec.pid}) had already stopped`;
  process.kill(rec.pid, 'SIGTERM');
  return `stopped the demo repo server (pid ${rec.pid})`;
}

export const DEMO_REGISTRY_PORT = 5055;

/** The demo's OCI registry (Debian's docker-registry), detached and kept like the servers above,
 *  so the images CI pushed can be pulled after the demo; its data is in <state>/demo-registry. */
export async function ensureDemoRegistry(stateDir: string): Promise<{ host: string; pid: number; reused: boolean }> {
  const recordFile = join(stateDir, 'demo-registry.json');
  const host = `127.0.0.1:${DEMO_REGISTRY_PORT}`;
  if (existsSync(recordFile)) {
    const rec = JSON.parse(readFileSync(recordFile, 'utf8')) as { pid: number };
    if (alive(rec.pid) && (await portAnswers(DEMO_REGISTRY_PORT))) return { host, pid: rec.pid, reused: true };
    rmSync(recordFile, { force: true });
  }
  if (await portAnswers(DEMO_REGISTRY_PORT)) throw new Error(`port ${DEMO_REGISTRY_PORT} is taken by a process tagship did not start; stop it and run the demo again`);
  const registry = await startOciRegistry({ dir: join(stateDir, 'demo-registry'), port: DEMO_REGISTRY_PORT, detached: true });
  writeFileSync(recordFile, JSON.stringify({ pid: registry.pid }));
  return { host, pid: registry.pid, reused: false };
}

export function stopDemoRegistry(stateDir: string): string {
  const recordFile = join(stateDir, 'demo-registry.json');
  if (!existsSync(recordFile)) return 'no demo registry is recorded as running';
  const rec = JSON.parse(readFileSync(recordFile, 'utf8')) as { pid: number };
  rmSync(recordFile, { force: true });
  if (!alive(rec.pid)) return `demo registry (pid ${rec.pid}) had already stopped`;
  process.kill(rec.pid, 'SIGTERM');
  return `stopped the demo registry (pid ${rec.pid}); its images stay in ${join(stateDir, 'demo-registry')}`;
}
