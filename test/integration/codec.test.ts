// Payload encryption end to end: a release's history holds ciphertext only (its agents decode
// their inputs with the same keys), keys rotate by id, tampering is detected, and the codec
// endpoint gives the Web UI decoded payloads back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { historyText, uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { makeProject } from '../helpers/projects.ts';
import { startRelease } from '../../client/release.ts';
import { AesGcmCodec, parseCodecKeys } from '../../providers/codec/aes-gcm.ts';
import { MAX_CODEC_BODY, startCodecServer } from '../../providers/codec/server.ts';

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const env1 = { TAGSHIP_CODEC_KEYS: `k1:${k1}`, TAGSHIP_CODEC_KEY_ID: 'k1' };

test('sealed payloads open with their key id; rotation keeps old ones readable; tampering fails', async () => {
  const old = new AesGcmCodec(parseCodecKeys(env1)!);
  const rotated = new AesGcmCodec(parseCodecKeys({ TAGSHIP_CODEC_KEYS: `k1:${k1},k2:${k2}`, TAGSHIP_CODEC_KEY_ID: 'k2' })!);
  const payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"secret":"hunter2"}') };
  const [sealed] = await old.encode([payload]);
  assert.ok(!Buffer.from(sealed!.data!).toString('latin1').includes('hunter2'));
  assert.equal(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString(), 'k1');
  const [opened] = await rotated.decode([sealed!]);
  assert.equal(Buffer.from(opened!.data!).toString(), '{"secret":"hunter2"}');
  const [resealed] = await rotated.encode([payload]);
  assert.equal(Buffer.from(resealed!.metadata!['encryption-key-id']!).toString(), 'k2');
  await assert.rejects(old.decode([resealed!]), /key "k2"/);
  const tampered = Buffer.from(sealed!.data!);
  tampered[20] = tampered[20]! ^ 1;
  await assert.rejects(rotated.decode([{ ...sealed!, data: tampered }]));
  assert.throws(() => parseCodecKeys({ TAGSHIP_CODEC_KEYS: 'k:short' }), /32 bytes/);
});

test('a release with the codec leaves none of its secret strings in the history; without it they show', async () => {
  const marker = `SECRET-MARKER-${uniqueSuffix()}`;
  const project = (name: string) => makeProject(`project: ${name}\ntestGate: { command: "echo ${marker}" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["mkdir -p out && echo ${marker} > out/x"], artifacts: [out/x] }\n`);
  const sealedName = `sealed-${uniqueSuffix()}`;
  await withWorker(async ({ client, taskQueue }) => {
    const { handle } = await startRelease(client, { project: sealedName, tag: 'v1.0.0', projectDir: project(sealedName), taskQueue });
    const result = await handle.result();
    assert.equal(result.targets.length, 1, 'the agent read its sealed inputs and the release completed');
    for (const id of [handle.workflowId, `${handle.workflowId}/target/t`]) {
      const text = await historyText(client, id);
      assert.ok(text.length > 500);
      assert.ok(!text.includes(marker), `${id} holds no secret string`);
    }
  }, { codecEnv: env1 });

  const plainName = `plain-${uniqueSuffix()}`;
  await withWorker(async ({ client, taskQueue }) => {
    const { handle } = await startRelease(client, { project: plainName, tag: 'v1.0.0', projectDir: project(plainName), taskQueue });
    await handle.result();
    assert.ok((await historyText(client, handle.workflowId)).includes(marker), 'control: without the codec the same string is in the history');
  });
});

test('the codec endpoint decodes for the Web UI, with CORS for its origin, only for a caller with its token, and caps bodies', async () => {
  const codec = new AesGcmCodec(parseCodecKeys(env1)!);
  const token = 'codec-token-0123456789abcdef';
  const server = await startCodecServer({ codec, uiOrigin: 'http://localhost:8233', token });
  try {
    const [sealed] = await codec.encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"visible to operators"') }]);
    const body = JSON.stringify({ payloads: [{ metadata: Object.fromEntries(Object.entries(sealed!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(sealed!.data!).toString('base64') }] });
    const post = (path: string, headers: Record<string, string> = {}, b: string = body) => fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: b });
    const decoded = async (res: Response) => Buffer.from(((await res.json()) as { payloads: { data: string }[] }).payloads[0]!.data, 'base64').toString();
    // Without the token, or with another, nothing is decoded.
    for (const res of [await post('/decode'), await post('/decode', { authorization: 'Bearer wrong-token-0123456789abcdef' }), await post('/wrong-token-0123456789abcdef/decode')]) {
      assert.equal(res.status, 401);
      assert.doesNotMatch(await res.text(), /visible to operators/);
    }
    // As the Web UI sends it (the token in the endpoint's path) and as a bearer token.
    const viaPath = await post(`/${token}/decode`);
    assert.equal(viaPath.status, 200);
    assert.equal(viaPath.headers.get('access-control-allow-origin'), 'http://localhost:8233');
    assert.equal(await decoded(viaPath), '"visible to operators"');
    assert.equal(await decoded(await post('/decode', { authorization: `Bearer ${token}` })), '"visible to operators"');
    assert.equal((await fetch(`${server.url}/${token}/decode`, { method: 'OPTIONS' })).status, 204);
    const big = await post(`/${token}/decode`, {}, `{"payloads":[{"data":"${'A'.repeat(MAX_CODEC_BODY)}"}]}`).catch((err: Error) => err);
    assert.ok(big instanceof Error || big.status === 413, 'a body over the cap is refused');
  } finally {
    await server.close();
  }
});
