// Publishing to real registries on loopback — pypiserver and a cargo registry — verified with
// real pip and cargo; and resuming a release whose publish stopped half-way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { withWorker } from '../helpers/temporal.ts';
import { withRegistries } from '../helpers/registries.ts';
import { generateTestKey } from '../helpers/gpg.ts';
import { startRelease } from '../../client/release.ts';
import { REPO_ROOT } from '../../providers/paths.ts';

const run = promisify(execFile);
const PROJECT_DIR = join(REPO_ROOT, 'examples', 'hello-veilid');

/** Real cargo: a fresh CARGO_HOME, a project depending on hello-core from the registry. */
async function cargoUses(indexUrl: string, version: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tagship-cargo-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'Cargo.toml'), `[package]\nname = "consumer"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nhello-core = { version = "=${version}", registry = "local" }\n`);
  writeFileSync(join(dir, 'src', 'main.rs'), 'fn main() { println!("{}", hello_core::greeting()); }\n');
  const env = { ...process.env, CARGO_HOME: join(dir, '.cargo-home'), CARGO_REGISTRIES_LOCAL_INDEX: indexUrl, CARGO_TERM_COLOR: 'never' };
  const { stdout } = await run('cargo', ['run', '-q'], { cwd: dir, env, maxBuffer: 8 << 20 });
  return stdout;
}

/** Real pip: install the published version from the index alone, then import it. */
async function pipUses(indexUrl: string, version: string): Promise<string> {
  const target = mkdtempSync(join(tmpdir(), 'tagship-pip-'));
  await run('python3', ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '--no-deps', '--no-cache-dir', '--index-url', `${indexUrl}/simple/`, '--target', target, `hello-veilid==${version}`]);
  const { stdout } = await run('python3', ['-c', 'import hello_veilid; print(hello_veilid.greeting())'], { env: { ...process.env, PYTHONPATH: target } });
  return stdout;
}

test('a release publishes the crates in order and the Python package; pip and cargo use them', async () => {
  process.env.HELLO_VEILID_SIGNING_KEY = generateTestKey().keyFile;
  await withRegistries(async ({ pypi, crates }) => {
    await withWorker(async ({ client, taskQueue }) => {
      const result = await (await startRelease(client, { project: 'hello-veilid', tag: 'v1.4.0', projectDir: PROJECT_DIR, taskQueue })).handle.result();
      assert.deepEqual(result.published?.crates, { 'hello-tools': 'published', 'hello-core': 'published' });
      assert.deepEqual(Object.values(result.published?.python ?? {}), ['published', 'published']);
      assert.equal(crates.uploads.get('hello-tools'), 1);
      assert.equal(crates.uploads.get('hello-core'), 1);
      assert.equal(await cargoUses(crates.indexUrl, '1.4.0'), 'hello from veilid\n');
      assert.equal(await pipUses(pypi.url, '1.4.0'), 'hello from veilid\n');
    });
  });
  delete process.env.HELLO_VEILID_SIGNING_KEY;
});

test('a release re-run after a half-finished publish completes without a second upload', async () => {
  process.env.HELLO_VEILID_SIGNING_KEY = generateTestKey().keyFile;
  await withRegistries(async ({ pypi, crates }) => {
    await withWorker(async ({ client, taskQueue }) => {
      // hello-tools goes up, then the registry fails every upload of hello-core.
      crates.failPublishes.set('hello-core', 100);
      const first = await startRelease(client, { project: 'hello-veilid', tag: 'v1.5.0', projectDir: PROJECT_DIR, taskQueue });
      const err = await first.handle.result().then(() => assert.fail('expected the publish to fail'), (e: unknown) => e);
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
      assert.match(err.cause.message, /^publishing: .*hello-core/);
      assert.equal(crates.uploads.get('hello-tools'), 1);
      const failedCoreAttempts = crates.uploads.get('hello-core')!;
      assert.ok(failedCoreAttempts >= 1);

      crates.failPublishes.clear();
      const again = await startRelease(client, { project: 'hello-veilid', tag: 'v1.5.0', projectDir: PROJECT_DIR, taskQueue });
      assert.equal(again.existing, false, 'a failed release may run again');
      const result = await again.handle.result();
      assert.deepEqual(result.published?.crates, { 'hello-tools': 'already-published', 'hello-core': 'published' });
      assert.equal(crates.uploads.get('hello-tools'), 1, 'hello-tools was not uploaded a second time');
      assert.equal(crates.uploads.get('hello-core'), failedCoreAttempts + 1);
      assert.equal(await cargoUses(crates.indexUrl, '1.5.0'), 'hello from veilid\n');
      assert.equal(await pipUses(pypi.url, '1.5.0'), 'hello from veilid\n');
    });
  });
  delete process.env.HELLO_VEILID_SIGNING_KEY;
});
