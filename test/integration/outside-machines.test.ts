// Build machines elsewhere: an emulated droplet on a Docker network of its own (internal: no
// route anywhere but the host's address on that network) reaches the control plane only by the
// addresses a real droplet would be told — the gateway over HTTPS, Temporal through a TLS
// frontend that asks for a client certificate — and a whole release runs through them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { docker } from '../helpers/projects.ts';
import { historyText, temporalAddress, uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { makeProject } from '../helpers/projects.ts';
import { backingContainers, dropletsLeft, emulatorProvider, startEmulator } from '../helpers/digitalocean.ts';
import { startTlsProxy } from '../helpers/tls-proxy.ts';
import { startRelease } from '../../client/release.ts';
import { freePort } from '../../providers/net/ports.ts';
import { agentTemporalProfile, temporalConnection } from '../../providers/temporal/connection.ts';

/** The first droplet's container, once it exists. */
async function bootedDroplet(): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const [c] = await backingContainers();
    if (c) return c.replace(/^\//, '');
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('no droplet booted within 60 s');
}

test('a droplet on a network of its own releases through the public HTTPS gateway and a TLS Temporal frontend; its user data holds no credential', async () => {
  const suffix = uniqueSuffix();
  const network = await docker.createNetwork({ Name: `tagship-outside-${suffix}`, Internal: true, Labels: { 'tagship.test': 'outside-machines' } });
  try {
    const address = ((await network.inspect()) as { IPAM: { Config: { Gateway: string }[] } }).IPAM.Config[0]!.Gateway;
    // The "public" frontend: TLS on the network's host address, client certificates required.
    const frontend = await startTlsProxy(temporalAddress(), address);
    const em = await startEmulator({ network: network.id });
    const port = await freePort();
    const publicUrl = `https://${address}:${port}`;
    const ca = readFileSync(frontend.files.ca, 'utf8');
    const clientKey = readFileSync(frontend.clientEnv.TEMPORAL_TLS_CLIENT_KEY_PATH!, 'utf8');
    // What the worker would derive from its own TEMPORAL_TLS_* settings.
    const profile = agentTemporalProfile(temporalConnection(frontend.address, frontend.clientEnv));
    const name = `outside-${suffix}`;
    try {
      await withWorker(
        async ({ client, taskQueue, orchestrator }) => {
          assert.equal(orchestrator.gateway.url, publicUrl, 'the gateway listens on the network\'s address, HTTPS only');
          await assert.rejects(fetch(`http://${address}:${port}/healthz`), 'plain HTTP is not answered');
          const { handle } = await startRelease(client, {
            project: name,
            tag: 'v1.0.0',
            projectDir: makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n  - { name: t0, arch: amd64, os: generic, machine: { size: s-1vcpu-1gb }, build: ["mkdir -p out && echo built > out/result.txt"], artifacts: [out/*] }\n`),
            taskQueue,
          });
          const networks = Object.keys((await docker.getContainer(await bootedDroplet()).inspect()).NetworkSettings.Networks);
          assert.deepEqual(networks, [`tagship-outside-${suffix}`], 'the droplet is on its own network only');
          const result = await handle.result();
          assert.deepEqual(result.targets[0]!.manifest.artifacts.map((a) => a.name), ['result.txt']);
          assert.equal(em.userData.size, 1);
          for (const data of em.userData.values()) {
            assert.match(data, new RegExp(`^export TAGSHIP_GATEWAY_URL='${publicUrl}'$`, 'm'));
            assert.match(data, new RegExp(`^export TEMPORAL_ADDRESS='${frontend.address}'$`, 'm'));
            assert.match(data, /^export TEMPORAL_TLS='true'$/m);
            assert.ok(data.includes(Buffer.from(ca).toString('base64')), 'the CA the droplet trusts both by is in its user data');
            assert.ok(!data.includes('PRIVATE KEY') && !data.includes(Buffer.from(clientKey).toString('base64')) && !data.includes('TEMPORAL_TLS_CLIENT'), 'no client certificate or key in the user data');
          }
          for (const id of [handle.workflowId, `${handle.workflowId}/target/t0`]) assert.ok(!(await historyText(client, id)).includes(clientKey.split('\n')[1]!), `${id}'s history holds no client key`);
        },
        {
          provider: emulatorProvider(em, undefined, { address: frontend.address, temporal: profile, gatewayCa: ca }),
          gatewayHost: address,
          gatewayPort: port,
          gatewayTls: { cert: readFileSync(frontend.files.serverCert, 'utf8'), key: readFileSync(frontend.files.serverKey, 'utf8'), ca },
          enrolmentEnv: profile.handed,
        },
      );
      assert.deepEqual(await dropletsLeft(em), { droplets: 0, containers: [] }, 'the droplet was deleted');
    } finally {
      await em.close();
      await frontend.stop();
    }
  } finally {
    await network.remove();
  }
});
