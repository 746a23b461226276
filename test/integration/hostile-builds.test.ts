// Builds that try to reach what is not theirs, on real Docker machines with real agents: a
// symlink to a host file passed off as an artifact, a build hunting for the agent's secrets,
// one writing over another release's artifact. Builds knocking on the control plane are in
// hostile-reach.test.ts; the corpus of hostile builds on both providers in hostile-builds-corpus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyText, releaseFailure, uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { containersOf, makeProject } from '../helpers/projects.ts';
import { untouched } from '../helpers/files.ts';
import { retryRelease, startRelease } from '../../client/release.ts';

function project(name: string, build: string, files: Record<string, string> = {}): string {
  return makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: [${JSON.stringify(build)}], artifacts: [out/*] }\n`, files);
}

test('an artifact that is a symlink to a host file is refused, naming it', async () => {
  const name = `symlink-${uniqueSuffix()}`;
  const dir = project(name, 'mkdir -p out && ln -s /etc/shadow out/shadow.deb');
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const unchanged = untouched(stateDir);
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue });
    const failure = await releaseFailure(handle.result());
    assert.equal(failure.type, 'BadArtifact');
    assert.match(failure.message, /artifact out\/shadow\.deb is a symbolic link \(to \/etc\/shadow\); artifacts must be regular files the build wrote/);
    unchanged();
    assert.deepEqual(await containersOf(handle.workflowId), []);
  });
});

test('a build runs unprivileged, sees none of the agent\'s secrets, and has no way to them', async () => {
  const name = `snoop-${uniqueSuffix()}`;
  const snoop = [
    "echo '--- id'; id -u",
    "echo '--- env'; env | sort",
    "echo '--- agent'; cat /proc/[0-9]*/environ 2>/dev/null | tr '\\000' '\\n' | grep -E '^(TAGSHIP_AGENT_TOKEN|TAGSHIP_CODEC_KEYS|TEMPORAL_ADDRESS)='",
    "echo '--- mounts'; ls -A /opt/tagship /opt/tagship/.tagship",
    "echo '--- files'; cat /opt/tagship/.tagship/agent-token /opt/tagship/.tagship/demo/signing-key.asc 2>&1 | head -3",
    "echo '--- control'; ls /run/tagship 2>&1",
    'exit 3',
  ].join('; ');
  const dir = project(name, snoop);
  const codecKey = Buffer.alloc(32, 7).toString('base64');
  await withWorker(
    async ({ client, taskQueue, stateDir }) => {
      const token = readFileSync(join(stateDir, 'agent-token'), 'utf8').trim();
      const unchanged = untouched(stateDir);
      const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue });
      const failure = await releaseFailure(handle.result());
      assert.equal(failure.type, 'BuildFailed');
      const output = failure.message.split('--- last lines of output ---')[1]!;
      const part = (from: string, to: string) => output.split(`--- ${from}`)[1]!.split(`--- ${to}`)[0]!.trim();
      assert.equal(part('id', 'env'), '10000', 'builds run as an unprivileged user');
      const env = part('env', 'agent');
      assert.match(env, /TAGSHIP_VERSION=1\.0\.0/, 'the release\'s variables are there');
      for (const hidden of ['TAGSHIP_AGENT_TOKEN', 'TAGSHIP_CODEC_KEYS', 'TEMPORAL_ADDRESS', 'TAGSHIP_GATEWAY_URL']) assert.ok(!env.includes(hidden), `${hidden} is not in the build's environment`);
      assert.equal(part('agent', 'mounts'), '', 'the agent\'s environment cannot be read from /proc');
      assert.deepEqual(part('mounts', 'files').split(/\s+/).filter((l) => !l.endsWith(':') && l).sort(), ['.tagship', 'agent', 'node_modules'], 'only the agent bundle and its packages are mounted');
      assert.match(part('files', 'control'), /agent-token: No such file or directory/, 'the state folder is not there');
      assert.match(output.split('--- control')[1]!, /cannot open directory '\/run\/tagship': Permission denied/, 'the agent\'s control sockets are out of reach');
      const history = await historyText(client, handle.workflowId);
      const child = await historyText(client, `${handle.workflowId}/target/t`);
      for (const secret of [token, codecKey]) assert.ok(!history.includes(secret) && !child.includes(secret), 'no secret in any history');
      unchanged();
    },
    { codecEnv: { TAGSHIP_CODEC_KEYS: `k1:${codecKey}`, TAGSHIP_CODEC_KEY_ID: 'k1' } },
  );
});

test('a build cannot store anything for another release, even with its agent\'s token', async () => {
  const victim = `victim-${uniqueSuffix()}`;
  const attacker = `attacker-${uniqueSuffix()}`;
  // The attacker looks for its agent's token in /proc and PUTs other bytes over the victim's
  // stored artifact through the gateway; it keeps the gateway's answer as its own artifact.
  const attack = (gatewayUrl: string) => [
    "const fs = require('node:fs');",
    "const environ = fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).map((p) => { try { return fs.readFileSync(`/proc/${p}/environ`, 'utf8'); } catch { return ''; } }).join('\\0').split('\\0');",
    "const get = (k) => (environ.find((e) => e.startsWith(k + '=')) ?? '').slice(k.length + 1);",
    "const body = 'trojan';",
    "const sha = require('node:crypto').createHash('sha256').update(body).digest('hex');",
    // The gateway's address is no secret (a port on the host); the test hands it over.
    `fetch((get('TAGSHIP_GATEWAY_URL') || '${gatewayUrl}') + '/artifacts/${victim}/1.0.0/t/victim.txt', { method: 'PUT', body, headers: { authorization: 'Bearer ' + get('TAGSHIP_AGENT_TOKEN'), 'x-tagship-sha256': sha, 'x-tagship-created-at': 'now' } })`,
    "  .then(async (r) => r.status + ' ' + (await r.text()), (err) => 'unreachable ' + (err.cause?.code ?? err.message))",
    "  .then((answer) => { fs.mkdirSync('out', { recursive: true }); fs.writeFileSync('out/answer.txt', answer); });",
  ].join('\n');
  await withWorker(async ({ client, taskQueue, stateDir, orchestrator }) => {
    const v = await startRelease(client, { project: victim, tag: 'v1.0.0', projectDir: project(victim, 'mkdir -p out && echo genuine > out/victim.txt'), taskQueue });
    await v.handle.result();
    const a = await startRelease(client, { project: attacker, tag: 'v1.0.0', projectDir: project(attacker, '/opt/node/bin/node attack.js', { 'attack.js': attack(orchestrator.gateway.url) }), taskQueue });
    await a.handle.result();
    const answer = readFileSync(join(stateDir, 'artifacts', attacker, '1.0.0', 't', 'answer.txt'), 'utf8');
    // The machine has no network (unreachable); were there a way, its own token is out of its
    // reach (401); were it not, the token is scoped to it (403).
    assert.match(answer, /^(unreachable|40[13]) /, answer);
    assert.equal(readFileSync(join(stateDir, 'artifacts', victim, '1.0.0', 't', 'victim.txt'), 'utf8'), 'genuine\n', 'the victim\'s artifact is as it was built');
  });
});

test('a release started over from other source cannot replace the artifacts its first run stored', async () => {
  const name = `sealed-${uniqueSuffix()}`;
  const config = [
    `project: ${name}`,
    'testGate: { command: "true" }',
    'targets:',
    '  - { name: a, arch: amd64, os: generic, build: ["mkdir -p out && cp payload.txt out/a.txt"], artifacts: [out/*] }',
    // b fails while "fail" exists, after a had time to store its artifact.
    '  - { name: b, arch: amd64, os: generic, build: ["sleep 4; test ! -e fail && mkdir -p out && echo b > out/b.txt"], artifacts: [out/*] }',
  ].join('\n');
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const stored = join(stateDir, 'artifacts', name, '1.0.0', 'a', 'a.txt');
    const first = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: makeProject(config, { 'payload.txt': 'genuine\n', fail: '' }), taskQueue });
    assert.equal((await releaseFailure(first.handle.result())).type, 'BuildFailed');
    assert.equal(readFileSync(stored, 'utf8'), 'genuine\n', 'a stored its artifact in the first run');
    // Started over with other source for the same version: a is rebuilt with other bytes.
    const again = await retryRelease(client, { project: name, tag: 'v1.0.0', projectDir: makeProject(config, { 'payload.txt': 'trojan\n' }), taskQueue });
    const failure = await releaseFailure(again.handle.result());
    assert.equal(failure.type, 'ArtifactSealed');
    assert.match(failure.message, /target a: .* already has stored artifacts built from another source \(a\.txt differ\); stored artifacts are never replaced/);
    assert.equal(readFileSync(stored, 'utf8'), 'genuine\n', 'the stored artifact is as the first run built it');
  });
});
