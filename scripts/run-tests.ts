// The test harness behind `npm test`: starts a real Temporal dev server on free loopback ports
// (tagship's search attributes registered, its Web UI on loopback for the browser test),
// bundles the workflows once, runs every test file with Node's test runner against them, and
// stops the server.
//   npm run test:only -- test/unit/tag.test.ts     run some files only
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startDevServer } from './lib/temporal-server.ts';
import { freePort } from '../providers/net/ports.ts';
import { DEFAULT_STATE_DIR, REPO_ROOT, WORKFLOWS_PATH } from '../providers/paths.ts';
import { WORKFLOW_TRACING_MODULE } from '../providers/temporal/tracing.ts';

function findTests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return findTests(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

async function main(): Promise<number> {
  // Node's own test flags (e.g. --test-name-pattern=…) pass through; the rest are files.
  const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  // Fast, pure tests first; then the ones on real servers and containers.
  const files = args.length ? args : [...findTests(join(REPO_ROOT, 'test', 'unit')), ...findTests(join(REPO_ROOT, 'test', 'integration'))].sort((a, b) => {
    const rank = (f: string) => (f.includes('/unit/') ? 0 : 1);
    return rank(a) - rank(b) || a.localeCompare(b);
  });
  const runDir = join(DEFAULT_STATE_DIR, 'test-run');
  mkdirSync(join(runDir, 'logs'), { recursive: true });

  const server = await startDevServer({ port: await freePort(), uiPort: await freePort(), logFile: join(runDir, 'logs', 'temporal-server.log') });
  console.log(`test harness: Temporal dev server at ${server.address}, Web UI ${server.uiUrl} (pid ${server.pid})`);
  try {
    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: [WORKFLOW_TRACING_MODULE], logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error } });
    const bundlePath = join(runDir, 'workflow-bundle.js');
    writeFileSync(bundlePath, bundle.code);
    const code = await new Promise<number>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=900000', '--test-reporter=spec', ...flags, ...files.map((f) => relative(REPO_ROOT, f))],
        { cwd: REPO_ROOT, stdio: 'inherit', env: { ...process.env, TEMPORAL_ADDRESS: server.address, TAGSHIP_TEST_UI_URL: server.uiUrl!, TAGSHIP_WORKFLOW_BUNDLE: bundlePath, TAGSHIP_TEST_RUN_DIR: runDir } },
      );
      child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
    });
    return code;
  } finally {
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
