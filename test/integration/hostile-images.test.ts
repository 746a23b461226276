// Every image on the Docker engine is within a tagship.yml's reach by name: other projects' app
// images sit there beside tagship's own. A build machine runs its agent as root, with the
// image's own libc loaded into the agent's Node (which holds the machine's token and the codec
// keys), and the test gate runs the project's command in whatever it is given. So a machine or
// gate image that is not tagship's is refused before any container exists.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { releaseFailure, uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { containersOf, docker, makeProject } from '../helpers/projects.ts';
import { startRelease } from '../../client/release.ts';
import { MachineLabel } from '../../core/names.ts';

// Another project's image, as CI would leave it on the engine (here: tagship's machine image
// under such a name, which is all the attack needs).
const FOREIGN = { repo: '127.0.0.1:5999/other-app', tag: `${'ab'.repeat(20)}-amd64` };
const foreign = `${FOREIGN.repo}:${FOREIGN.tag}`;

before(async () => {
  await docker.getImage('tagship/machine:bookworm-amd64').tag(FOREIGN);
});

after(async () => {
  await docker.getImage(foreign).remove().catch(() => undefined);
});

test('a target or a test gate naming another image on the engine is refused, and no container is made from it', async () => {
  const cases = [
    { where: 'machine', config: ['testGate: { command: "true" }', 'targets:', `  - { name: t, arch: amd64, os: generic, machine: { image: "${foreign}" }, build: ["true"], artifacts: [out/*] }`], refusal: /is not tagship's machine image; a build machine runs tagship\/machine:bookworm-<arch>, and a project's toolchain comes from its Dockerfile/ },
    { where: 'gate', config: [`testGate: { command: "true", image: "${foreign}" }`, 'targets:', '  - { name: t, arch: amd64, os: generic, build: ["true"], artifacts: [out/*] }'], refusal: /is not one of tagship's images; name one of tagship's base images/ },
  ];
  await withWorker(async ({ client, taskQueue }) => {
    for (const c of cases) {
      const project = `img-${c.where}-${uniqueSuffix()}`;
      const { handle } = await startRelease(client, { project, tag: 'v1.0.0', projectDir: makeProject([`project: ${project}`, ...c.config].join('\n')), taskQueue });
      const failure = await releaseFailure(handle.result());
      assert.match(failure.message, c.refusal, `${c.where}: ${failure.message}`);
      assert.match(failure.message, new RegExp(foreign.replace(/[.:/]/g, '\\$&')));
      assert.deepEqual(await containersOf(handle.workflowId), [], `${c.where}: nothing left`);
      // (The foreign name tags tagship's own image here: other tests' machines match it by
      // ancestry, so only this release's containers are looked at.)
      const made = await docker.listContainers({ all: true, filters: { ancestor: [foreign], label: [`${MachineLabel.release}=${handle.workflowId}`] } });
      assert.deepEqual(made.map((m) => m.Names[0]), [], `${c.where}: no container was ever made from the image`);
    }
  });
});
