// The demo's persistent Temporal dev server: SQLite under .tagship/, Web UI on 8233. Started
// once, reused by later demos, left running for inspection until `npm run demo -- --stop`.
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSearchAttributes, portAnswers, startDevServer } from './temporal-server.ts';

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
