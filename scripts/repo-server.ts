// The repo server as a process: `tsx scripts/repo-server.ts [--port 8480] [--root DIR]`.
// Serves <root>/<project>/current on loopback until SIGTERM. The demo starts it detached.
import { Command } from 'commander';
import { join } from 'node:path';
import { startRepoServer } from '../providers/reposerver/server.ts';
import { DEFAULT_STATE_DIR } from '../providers/paths.ts';

const opts = new Command()
  .option('--port <port>', 'port on 127.0.0.1', '8480')
  .option('--root <dir>', 'folder holding <project>/current', join(DEFAULT_STATE_DIR, 'repo-server'))
  .parse()
  .opts<{ port: string; root: string }>();

startRepoServer({ root: opts.root, port: Number(opts.port) }).then(
  (server) => {
    console.log(`tagship repo server ${server.url} serving ${opts.root}`);
    const stop = () => void server.close().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  },
  (err: unknown) => {
    console.error(`repo server could not start: ${String(err)}`);
    process.exit(1);
  },
);
