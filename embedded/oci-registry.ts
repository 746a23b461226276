// An OCI registry on loopback: Debian's docker-registry (the CNCF distribution registry,
// installed by the bootstrap), with filesystem storage and deletes enabled (image retention
// deletes by digest, then collects garbage). For the tests and the demo; stopped by close().
// The Docker engine pushes to and pulls from it without TLS because it is on 127.0.0.0/8.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { freePort, portAnswers } from '../providers/net/ports.ts';

export interface OciRegistry {
  /** host:port, as image references name it. */
  host: string;
  url: string;
  dataDir: string;
  pid: number;
  close(): Promise<void>;
}

export function registryConfig(dataDir: string, port: number): string {
  return [
    'version: 0.1',
    'log: { level: warn, formatter: text }',
    'storage:',
    `  filesystem: { rootdirectory: ${JSON.stringify(join(dataDir, 'storage'))} }`,
    '  delete: { enabled: true }',
    `http: { addr: "127.0.0.1:${port}" }`,
    '',
  ].join('\n');
}

export async function startOciRegistry(opts: { dir?: string; port?: number; detached?: boolean } = {}): Promise<OciRegistry> {
  const dataDir = opts.dir ?? mkdtempSync(join(tmpdir(), 'tagship-registry-'));
  mkdirSync(dataDir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const config = join(dataDir, 'config.yml');
  writeFileSync(config, registryConfig(dataDir, port));
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore', detached: opts.detached ?? false });
  if (opts.detached) child.unref();
  const failed = new Promise<never>((_, reject) => child.once('error', (err) => reject(new Error(`docker-registry did not start (${err.message}); run \`npm run bootstrap\``))));
  const up = (async () => {
    for (let i = 0; i < 100 && !(await portAnswers(port)); i++) await new Promise((r) => setTimeout(r, 100));
    if (!(await portAnswers(port))) throw new Error('docker-registry did not start listening; run `npm run bootstrap`');
  })();
  await Promise.race([up, failed]);
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    pid: child.pid!,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
