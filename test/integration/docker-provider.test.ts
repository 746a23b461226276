// The docker machine provider against the real engine: idempotent create and delete, labels,
// commands, and files read back byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { DockerMachines } from '../../providers/docker/machines.ts';
import { ProviderError } from '../../ports/machines.ts';
import { docker } from '../helpers/projects.ts';
import { uniqueSuffix } from '../helpers/temporal.ts';

const provider = new DockerMachines({ docker });

test('create is idempotent by name, list finds by label, delete twice is fine', async () => {
  const release = `provider-${uniqueSuffix()}`;
  const spec = { name: `tagship-test-${uniqueSuffix()}`, arch: 'amd64' as const, image: 'tagship/machine:bookworm-amd64', size: 'small', labels: { 'tagship.release': release } };
  try {
    const a = await provider.create(spec);
    const b = await provider.create(spec);
    assert.equal(a.id, b.id, 'the second create found the first machine');
    assert.equal(b.state, 'running');
    const listed = await provider.list({ 'tagship.release': release });
    assert.deepEqual(listed.map((m) => m.name), [spec.name]);
    assert.equal(listed[0]!.labels['tagship'], 'true');
  } finally {
    assert.equal(await provider.delete(spec.name), 'deleted');
  }
  assert.equal(await provider.delete(spec.name), 'already-gone');
  assert.equal(await provider.describe(spec.name), null);
  assert.deepEqual(await provider.list({ 'tagship.release': release }), []);
});

test('a missing image is a non-retryable ImageMissing that says how to fix it', async () => {
  await assert.rejects(
    provider.create({ name: `tagship-test-${uniqueSuffix()}`, arch: 'amd64', image: 'tagship/machine:does-not-exist', size: 's', labels: {} }),
    (e: unknown) => e instanceof ProviderError && e.failureType === 'ImageMissing' && !e.retryable && /npm run bootstrap/.test(e.message),
  );
});

test('exec reports exit codes and output; files put on a machine arrive byte for byte', async () => {
  const name = `tagship-test-${uniqueSuffix()}`;
  await provider.create({ name, arch: 'amd64', image: 'tagship/machine:bookworm-amd64', size: 's', labels: {} });
  try {
    const r = await provider.exec(name, { command: 'echo "$GREETING"; echo oops >&2; exit 7', env: { GREETING: 'hi there' }, workdir: '/' });
    assert.equal(r.exitCode, 7);
    assert.match(r.outputTail, /hi there/);
    assert.match(r.outputTail, /oops/);

    const dir = mkdtempSync(join(tmpdir(), 'tagship-tar-'));
    writeFileSync(join(dir, 'payload.bin'), Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256)));
    const tar = join(dir, 'src.tar');
    execFileSync('tar', ['-C', dir, '-cf', tar, 'payload.bin']);
    await provider.putTar(name, tar, '/work/in');
    const sum = await provider.exec(name, { command: 'sha256sum /work/in/payload.bin | cut -d" " -f1', env: {}, workdir: '/' });
    assert.equal(sum.outputTail.trim(), createHash('sha256').update(readFileSync(join(dir, 'payload.bin'))).digest('hex'), 'same bytes on both ends');
  } finally {
    await provider.delete(name);
  }
});
