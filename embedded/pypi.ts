// A real pypiserver (installed by the bootstrap) on loopback, with upload auth by token, for
// the tests and the demo. Stopped by close().
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { TOOLS_DIR } from '../providers/paths.ts';
import { freePort, portAnswers } from '../providers/net/ports.ts';

export const PYPISERVER_PATH = join(TOOLS_DIR, 'pypiserver');

export interface PypiServer {
  url: string;
  packagesDir: string;
  pid: number;
  close(): Promise<void>;
}

export async function startPypiServer(opts: { token: string; port?: number; dir?: string; detached?: boolean }): Promise<PypiServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'tagship-pypi-'));
  const packagesDir = join(dir, 'packages');
  mkdirSync(packagesDir, { recursive: true });
  const env = { ...process.env, PYTHONPATH: PYPISERVER_PATH };
  // Uploads authenticate as __token__ with the registry token, as PyPI's own tokens do.
  execFileSync('python3', ['-c', `from passlib.apache import HtpasswdFile\nh=HtpasswdFile(${JSON.stringify(join(dir, 'htpasswd'))}, new=True)\nh.set_password('__token__', ${JSON.stringify(opts.token)})\nh.save()`], { env });
  const port = opts.port ?? (await freePort());
  // No fallback: a name the server lacks is a 404, not a redirect to the public index.
  const child = spawn('python3', ['-m', 'pypiserver', 'run', '-i', '127.0.0.1', '-p', String(port), '-P', join(dir, 'htpasswd'), '-a', 'update', '--disable-fallback', packagesDir], { env, stdio: 'ignore', detached: opts.detached ?? false });
  if (opts.detached) child.unref();
  for (let i = 0; i < 100 && !(await portAnswers(port)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await portAnswers(port))) throw new Error('pypiserver did not start; run `npm run bootstrap`');
  return {
    url: `http://127.0.0.1:${port}`,
    packagesDir,
    pid: child.pid!,
    close: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
