// A version already in a registry with other content is a loud, non-retryable PublishConflict
// naming the file; with the same content it counts as published. Against real registries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { withRegistries } from '../helpers/registries.ts';
import { publishPython } from '../../pipes/python/activities/index-api.ts';
import { publishCrates } from '../../pipes/crates/activities/registry-api.ts';
import { REPO_ROOT } from '../../providers/paths.ts';

const run = promisify(execFile);
const env = new MockActivityEnvironment();

function isConflict(name: string) {
  return (e: unknown) => e instanceof ApplicationFailure && e.type === 'PublishConflict' && e.nonRetryable && e.message.includes(name);
}

test('Python: same file again is already-published; same name, other bytes is a PublishConflict', async () => {
  await withRegistries(async ({ pypi, tokens }) => {
    const dir = mkdtempSync(join(tmpdir(), 'tagship-dists-'));
    const wheel = join(dir, 'hello_veilid-9.9.9-py3-none-any.whl');
    writeFileSync(wheel, 'PK-not-really-a-wheel-but-bytes-are-bytes-1');
    const registry = { url: pypi.url, token: tokens.pypi };
    assert.deepEqual(await env.run(publishPython, registry, 'hello-veilid', '9.9.9', [{ path: wheel, kind: 'wheel' }]), { 'hello_veilid-9.9.9-py3-none-any.whl': 'published' });
    assert.deepEqual(await env.run(publishPython, registry, 'hello-veilid', '9.9.9', [{ path: wheel, kind: 'wheel' }]), { 'hello_veilid-9.9.9-py3-none-any.whl': 'already-published' });
    appendFileSync(wheel, '-changed');
    await assert.rejects(env.run(publishPython, registry, 'hello-veilid', '9.9.9', [{ path: wheel, kind: 'wheel' }]), isConflict('hello_veilid-9.9.9-py3-none-any.whl'));
    const other = join(dir, 'hello_veilid-9.9.10-py3-none-any.whl');
    writeFileSync(other, 'PK-another');
    await assert.rejects(env.run(publishPython, { ...registry, token: 'wrong' }, 'hello-veilid', '9.9.10', [{ path: other, kind: 'wheel' }]), (e: unknown) => e instanceof ApplicationFailure && /refused the token/.test(e.message));
  });
});

test('Python: a redirect off the configured index (a fallback to another index) is not "already published"', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tagship-dists-'));
  const wheel = join(dir, 'hello_veilid-9.9.9-py3-none-any.whl');
  writeFileSync(wheel, 'PK-ours');
  // Another index lists a file of the same name with other content.
  const other = createServer((_req, res) => res.end(`<a href="/files/hello_veilid-9.9.9-py3-none-any.whl#sha256=${'e'.repeat(64)}">x</a>`));
  const uploads: string[] = [];
  // The configured index lacks the package and sends its page elsewhere, as pypiserver's fallback does.
  const ours = createServer((req, res) => {
    if (req.method === 'POST') {
      req.on('data', () => undefined).on('end', () => ((uploads.push(req.url ?? ''), res.end('ok'))));
      return;
    }
    res.writeHead(303, { location: `${url(other)}/simple/hello-veilid/` }).end();
  });
  const url = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => ours.listen(0, '127.0.0.1', r));
  try {
    assert.deepEqual(await env.run(publishPython, { url: url(ours), token: 't' }, 'hello-veilid', '9.9.9', [{ path: wheel, kind: 'wheel' }]), { 'hello_veilid-9.9.9-py3-none-any.whl': 'published' });
    assert.equal(uploads.length, 1, 'uploaded to the configured index');
  } finally {
    other.close();
    ours.close();
  }
});

test('Crates: a bad order publishes nothing; a changed crate of a published version is a PublishConflict', async () => {
  await withRegistries(async ({ crates, tokens }) => {
    // Package the example's crates as its build machines do (bookworm's cargo, `make crates`).
    const work = mkdtempSync(join(tmpdir(), 'tagship-crates-'));
    cpSync(join(REPO_ROOT, 'examples', 'hello-veilid'), work, { recursive: true, filter: (src) => !src.includes('/out') });
    const makeCrates = () => run('docker', ['run', '--rm', '--network', 'none', '-v', `${work}:/w`, '-w', '/w', 'tagship/machine:bookworm-amd64', 'make', '-s', 'crates', 'VERSION=7.0.0']);
    await makeCrates();
    const file = (c: string) => ({ name: c, path: join(work, 'out', 'crates', `${c}-7.0.0.crate`) });
    const registry = { url: crates.indexUrl, token: tokens.crates };

    await assert.rejects(env.run(publishCrates, registry, '7.0.0', [file('hello-core'), file('hello-tools')]), (e: unknown) => e instanceof ApplicationFailure && /hello-core depends on hello-tools/.test(e.message));
    assert.equal(crates.uploads.size, 0, 'nothing was uploaded');

    assert.deepEqual(await env.run(publishCrates, registry, '7.0.0', [file('hello-tools'), file('hello-core')]), { 'hello-tools': 'published', 'hello-core': 'published' });
    // Rebuild hello-tools with other content under the same version.
    appendFileSync(join(work, 'rust', 'hello-tools', 'src', 'lib.rs'), '\npub fn extra() {}\n');
    await makeCrates();
    await assert.rejects(env.run(publishCrates, registry, '7.0.0', [file('hello-tools')]), isConflict('hello-tools-7.0.0.crate'));
    assert.equal(crates.uploads.get('hello-tools'), 1);
  });
});
