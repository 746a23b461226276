// `network: true` on a host whose Docker has no NAT or DNS of its own (as here): the build,
// the test gate and an environment's RUN lines reach a real package index through tagship's
// egress proxy — and through it nothing inward (the Temporal frontend on loopback). A target
// without network still has no way out at all. The index's address is asked of the host's pip
// at run time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporalAddress, uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { makeProject } from '../helpers/projects.ts';
import { startRelease } from '../../client/release.ts';

const INDEX = execFileSync('python3', ['-c', 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)'], { encoding: 'utf8' }).trim().replace(/\/?$/, '/');

/** A python3 one-liner that fetches `url` — through the proxy the environment names, through
 *  it even where NO_PROXY would skip it (as a hostile build would), or around it — and prints
 *  `<label>=<status or error>`. */
const fetchLine = (label: string, url: string, how: 'proxy' | 'always-proxy' | 'direct' = 'proxy') =>
  `${{ proxy: '', 'always-proxy': 'env -u no_proxy -u NO_PROXY ', direct: 'env -u https_proxy -u HTTPS_PROXY -u http_proxy -u HTTP_PROXY ' }[how]}python3 -c "import urllib.request\ntry: print('${label}=' + str(urllib.request.urlopen('${url}', timeout=20).status))\nexcept Exception as e: print('${label}=' + type(e).__name__ + ' ' + str(e)[:120])"`;

test('network: true reaches a real package index through the egress proxy — from a build, the test gate and a Dockerfile\'s RUN lines — and never the control plane', async () => {
  const project = `egress-${uniqueSuffix()}`;
  const temporal = `http://${temporalAddress()}/`;
  const dockerfile = [
    'ARG TARGETARCH=amd64',
    'FROM tagship/machine:bookworm-${TARGETARCH}',
    // The proxy's variables are the engine's predefined build arguments: RUN lines see them,
    // the image does not keep them.
    `RUN python3 -c "import urllib.request; urllib.request.urlopen('${INDEX}six/', timeout=30).read(); open('/fetched-in-run', 'w').write('yes')"`,
    '',
  ].join('\n');
  const probe = ['mkdir -p out', `{ ${fetchLine('index', `${INDEX}six/`)}; ${fetchLine('temporal', temporal, 'always-proxy')}; ${fetchLine('direct', `${INDEX}six/`, 'direct')}; echo "proxy=$https_proxy" | sed 's#//.*@#//<machine>@#'; cat /fetched-in-run; echo; } > out/report.txt`].join('\n');
  const config = [
    `project: ${project}`,
    `testGate: { command: ${JSON.stringify(`${fetchLine('gate', `${INDEX}six/`)} | grep -q '^gate=200$'`)}, network: true }`,
    'targets:',
    '  - { name: out, arch: amd64, os: generic, network: true, machine: { image: { dockerfile: env/Dockerfile, context: env } }, build: ["sh probe.sh"], artifacts: [out/*] }',
    `  - { name: sealed, arch: amd64, os: generic, build: [${JSON.stringify(`mkdir -p out && ${fetchLine('index', `${INDEX}six/`)} > out/report.txt`)}], artifacts: [out/*] }`,
  ].join('\n');
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const { handle } = await startRelease(client, { project, tag: 'v1.0.0', projectDir: makeProject(config, { 'env/Dockerfile': dockerfile, 'probe.sh': probe }), taskQueue });
    const result = (await handle.result());
    assert.equal(Object.keys(result.environments ?? {}).length, 1);
    const out = readFileSync(join(stateDir, 'artifacts', project, '1.0.0', 'out', 'report.txt'), 'utf8');
    assert.match(out, /^index=200$/m, `the build fetched the index through the proxy:\n${out}`);
    assert.match(out, /^temporal=HTTPError HTTP Error 403: Forbidden$/m, `the proxy refused the Temporal frontend:\n${out}`);
    assert.match(out, /^direct=URLError /m, `around the proxy there is no way out:\n${out}`);
    assert.match(out, /^proxy=http:\/\/<machine>@\d+\.\d+\.\d+\.\d+:\d+$/m, 'the build was given the proxy on the egress bridge, not loopback');
    assert.match(out, /^yes$/m, 'the environment\'s RUN line fetched through the proxy');
    const sealed = readFileSync(join(stateDir, 'artifacts', project, '1.0.0', 'sealed', 'report.txt'), 'utf8');
    assert.doesNotMatch(sealed, /^index=200$/m, `a target without network has no way out:\n${sealed}`);
  });
});
