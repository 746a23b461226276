// Build environments from the project's own Dockerfile (issue 25): built from the released
// source, kept by content, the gate and the targets run inside it with its ENV — and a hostile
// environment (a setuid-root shell, a world-writable root, an ENV that names tagship's own
// variables) gains nothing: the build is still the unprivileged build user, with no way to the
// agent's sockets or settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { containersOf, docker, makeProject } from '../helpers/projects.ts';
import { startRelease } from '../../client/release.ts';
import { emulatorProvider, startEmulator } from '../helpers/digitalocean.ts';

const DOCKERFILE = [
  'ARG TARGETARCH=amd64',
  'FROM tagship/machine:bookworm-${TARGETARCH}',
  'ENV TOOL_HOME=/opt/tool PATH=/opt/tool/bin:/usr/local/bin:/usr/bin:/bin TAGSHIP_VERSION=forged-by-image',
  'COPY mytool /opt/tool/bin/mytool',
  // Hostile: a setuid-root shell and a root anyone may write to.
  'RUN chmod 755 /opt/tool/bin/mytool && cp /bin/bash /opt/suid-bash && chmod 4755 /opt/suid-bash && chmod 1777 /',
  '',
].join('\n');

const TOOL = '#!/bin/sh\necho "mytool($TOOL_HOME) $*"\n';

// What the build reports about where it runs; each line is checked below.
const PROBE = [
  'mkdir -p out',
  '{',
  '  mytool build',
  '  echo "uid=$(id -u) suid=$(/opt/suid-bash -p -c \'id -u\')"',
  '  echo "version=$TAGSHIP_VERSION"',
  '  echo "control=$(test -e /run/tagship && echo seen || echo absent)"',
  '  echo "agent=$(cat /proc/*/environ 2>/dev/null | tr \'\\0\' \'\\n\' | grep -c TAGSHIP_AGENT_TOKEN || true)"',
  '  echo "in-env=$(test -x /opt/suid-bash && echo yes || echo no)"',
  '} > out/report.txt',
  // A second command finds the root as the first left it, and the mount points made anew.
  'ln -sfn /run/tagship /proc-link 2>/dev/null || true',
].join('\n');

test('a target and the gate run inside the environment the commit\'s Dockerfile builds; a second release reuses it; a hostile environment gains nothing', async () => {
  const project = `env-${uniqueSuffix()}`;
  const config = [
    `project: ${project}`,
    'testGate: { command: "mytool gate | grep -q \'mytool(/opt/tool) gate\'", image: { dockerfile: env/Dockerfile, context: env } }',
    'targets:',
    '  - name: t',
    '    arch: amd64',
    '    os: generic',
    '    machine: { image: { dockerfile: env/Dockerfile, context: env } }',
    '    build: ["sh probe.sh", "sh probe.sh"]',
    '    artifacts: [out/*]',
  ].join('\n');
  const dir = makeProject(config, { 'env/Dockerfile': DOCKERFILE, 'env/mytool': TOOL, 'probe.sh': PROBE });
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const first = await startRelease(client, { project, tag: 'v1.0.0', projectDir: dir, taskQueue });
    const r1 = (await first.handle.result());
    const envs = Object.entries(r1.environments ?? {});
    assert.equal(envs.length, 1, 'the gate and the target share one environment (same Dockerfile, context and arch)');
    const [id, env] = envs[0]!;
    assert.equal(id, 'amd64:env:env/Dockerfile');
    assert.match(env.image, new RegExp(`^tagship-env/${project}:amd64-[0-9a-f]{40}$`));
    assert.equal(env.reused, false);
    assert.equal((await docker.getImage(env.image).inspect()).Id, env.imageId);

    const report = readFileSync(join(stateDir, 'artifacts', project, '1.0.0', 't', 'report.txt'), 'utf8');
    assert.match(report, /^mytool\(\/opt\/tool\) build$/m, 'the image\'s ENV (PATH, TOOL_HOME) holds in the build');
    assert.match(report, /^uid=10000 suid=10000$/m, 'the build user, and a setuid-root shell of the image does not make it root');
    assert.match(report, /^version=1\.0\.0$/m, 'the release\'s variables win over the image\'s');
    assert.match(report, /^control=absent$/m, 'the agent\'s control sockets are not in the environment');
    assert.match(report, /^agent=0$/m, 'no process the build sees holds the agent\'s token');
    assert.match(report, /^in-env=yes$/m);

    // The provenance names the environment by its image id.
    assert.ok(r1.provenance);
    const envelope = JSON.parse(readFileSync(r1.provenance.path, 'utf8')) as { payload: string };
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicate: { buildDefinition: { resolvedDependencies: { name?: string; uri?: string; digest: Record<string, string> }[] } } };
    const dep = statement.predicate.buildDefinition.resolvedDependencies.find((d) => d.name === `environment ${id}`);
    assert.deepEqual(dep, { name: `environment ${id}`, uri: `docker-image:${env.image}`, digest: { sha256: env.imageId.replace('sha256:', '') } });

    // Same Dockerfile and context, another release: the environment is found, not built.
    const second = await startRelease(client, { project, tag: 'v1.0.1', projectDir: dir, taskQueue });
    const r2 = (await second.handle.result());
    assert.deepEqual(r2.environments?.[id], { ...env, reused: true });
    assert.deepEqual(await containersOf(first.handle.workflowId), []);
    assert.deepEqual(await containersOf(second.handle.workflowId), []);
  });
});

test('an environment written as steps in tagship.yml alone builds on tagship\'s machine image; a step that fetches by ADD is refused before anything is built', async () => {
  const project = `steps-${uniqueSuffix()}`;
  const config = (steps: string[]) =>
    [
      `project: ${project}`,
      'testGate: { command: "true" }',
      'targets:',
      `  - { name: t, arch: amd64, os: generic, machine: { image: { steps: ${JSON.stringify(steps)} } }, build: ["mkdir -p out && echo \\"$GREETING $(cat /opt/x/v)\\" > out/v.txt"], artifacts: [out/*] }`,
    ].join('\n');
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const ok = await startRelease(client, { project, tag: 'v1.0.0', projectDir: makeProject(config(['RUN mkdir -p /opt/x && echo from-steps > /opt/x/v', 'ENV GREETING=hello'])), taskQueue });
    const result = (await ok.handle.result());
    const [id] = Object.keys(result.environments ?? {});
    assert.match(id ?? '', /^amd64:steps:[0-9a-f]{8}$/);
    assert.equal(readFileSync(join(stateDir, 'artifacts', project, '1.0.0', 't', 'v.txt'), 'utf8'), 'hello from-steps\n');

    const bad = await startRelease(client, { project, tag: 'v1.0.1', projectDir: makeProject(config(['ADD http://127.0.0.1:1/x /x'])), taskQueue });
    const failure = await bad.handle.result().then(() => null, (err: Error & { cause?: Error }) => err.cause?.message ?? err.message);
    assert.match(failure ?? '', /the steps ask the engine for what no build may have:\n {2}line 3: ADD http:\/\/127\.0\.0\.1:1\/x is not allowed/);
    assert.deepEqual(await containersOf(bad.handle.workflowId), [], 'no machine was made');
  });
});

test('on droplets the agent fetches the environment\'s files by sha256 and unpacks them as the build user: the same ENV and tools, no setuid bit, nothing of the agent', async () => {
  const em = await startEmulator();
  const project = `denv-${uniqueSuffix()}`;
  // A small base: every droplet fetches the environment's files whole.
  const dockerfile = DOCKERFILE.replace('FROM tagship/machine:bookworm-${TARGETARCH}', 'FROM tagship/python:bookworm-${TARGETARCH}');
  const probe = `${PROBE}\n{ echo "mode=$(stat -c %a /opt/suid-bash)"; echo "owner=$(stat -c %u /usr/bin)"; } >> out/report.txt`;
  const config = [
    `project: ${project}`,
    'testGate: { command: "true" }',
    'targets:',
    '  - { name: t, arch: amd64, os: generic, machine: { size: s-1vcpu-1gb, image: { dockerfile: env/Dockerfile, context: env } }, build: ["sh probe.sh", "sh probe.sh"], artifacts: [out/*] }',
  ].join('\n');
  try {
    await withWorker(async ({ client, taskQueue, stateDir, orchestrator }) => {
      const { handle } = await startRelease(client, { project, tag: 'v1.0.0', projectDir: makeProject(config, { 'env/Dockerfile': dockerfile, 'env/mytool': TOOL, 'probe.sh': probe }), taskQueue });
      const result = await handle.result();
      const env = Object.values(result.environments ?? {})[0]!;
      assert.match(env.image, new RegExp(`^tagship-env/${project}:amd64-`));
      const report = readFileSync(join(stateDir, 'artifacts', project, '1.0.0', 't', 'report.txt'), 'utf8');
      assert.match(report, /^mytool\(\/opt\/tool\) build$/m, 'the image\'s ENV holds on the droplet');
      assert.match(report, /^uid=10000 suid=10000$/m, 'the build user, whatever the image holds');
      assert.match(report, /^mode=755$/m, 'the setuid bit did not survive the unpacking');
      assert.match(report, /^owner=10000$/m, 'the files are the build user\'s: unpacked by it, not by root');
      assert.match(report, /^version=1\.0\.0$/m);
      assert.match(report, /^control=absent$/m);
      assert.match(report, /^agent=0$/m);
      assert.match(report, /^in-env=yes$/m);
      const image = await docker.getImage(env.image).inspect();
      assert.ok(orchestrator.gateway.traffic.sourceBytesOut > (image.Size ?? 0) / 2, `the droplet fetched the environment's files through the gateway (${orchestrator.gateway.traffic.sourceBytesOut} bytes out)`);
    }, { provider: emulatorProvider(em) });
    assert.equal(em.droplets.size, 0);
  } finally {
    await em.close();
  }
});
