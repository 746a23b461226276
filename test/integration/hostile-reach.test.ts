// The attack that got through the agent's relays (issue 21): a build finds the loopback ports
// the agent reaches Temporal and the gateway by, binds 127.x.y.z to the agent's own client
// ports and connects, again and again. Builds now run in network namespaces of their own, so
// there is nothing to connect to: on docker machines (relays on the machine's loopback) and on
// emulated droplets (which share the host's loopback, where Temporal and the gateway listen),
// with and without `network: true`. The test hands the build every port the agent uses, read
// as root from outside the build, so the build lacks nothing but a route.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporalAddress, uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { containersOf, docker, makeProject } from '../helpers/projects.ts';
import { backingContainers, emulatorProvider, startEmulator } from '../helpers/digitalocean.ts';
import { untouched } from '../helpers/files.ts';
import { loopbackPorts, REACH_PROBE, type ReachReport } from '../helpers/reach-probe.ts';
import { DockerMachines } from '../../providers/docker/machines.ts';
import { MachineLabel } from '../../core/names.ts';
import { startRelease } from '../../client/release.ts';
import type { OrchestratorDeps } from '../../workers/deps.ts';

const shell = new DockerMachines({ docker });

/** Once the build's source is unpacked on `container`, writes ports.json beside it: the ports
 *  listening on the machine's loopback (the relays), the agent's client ports to them and to
 *  the host's ports, and the host's ports. */
async function feedPorts(container: string, host: Record<string, number>, done: () => boolean): Promise<{ relays: number[]; clients: number[] } | null> {
  while (!done()) {
    const ready = await shell.exec(container, { command: 'test -f /work/src/probe.js', env: {}, workdir: '/' }).catch(() => ({ exitCode: 1 }));
    if (ready.exitCode === 0) {
      // Only the rows that matter: a droplet shares the host's tables, which are long.
      const rows = async (awk: string) => (await shell.exec(container, { command: `awk '${awk}' /proc/net/tcp /proc/net/tcp6`, env: {}, workdir: '/' })).outputTail;
      const { listening } = loopbackPorts(await rows('$4 == "0A" && $2 ~ /^0100007F/'));
      const relays = listening.filter((p) => !Object.values(host).includes(p));
      const to = [...relays, ...Object.values(host)];
      const hex = to.map((p) => p.toString(16).toUpperCase().padStart(4, '0'));
      const { clients } = loopbackPorts(await rows(`$4 == "01" && $3 ~ /:(${hex.join('|')})$/`), to);
      const json = JSON.stringify({ relays, clients, host });
      const wrote = await shell.exec(container, { command: `printf '%s' '${json}' > /work/src/.ports && chmod 644 /work/src/.ports && mv /work/src/.ports /work/src/ports.json`, env: {}, workdir: '/' });
      assert.equal(wrote.exitCode, 0, wrote.outputTail);
      return { relays, clients };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return null;
}

async function attack(machines: (releaseId: string) => Promise<string[]>, provider?: OrchestratorDeps['provider']): Promise<void> {
  const name = `reach-${uniqueSuffix()}`;
  const run = '/opt/node/bin/node probe.js';
  const size = provider ? ', machine: { size: s-1vcpu-1gb }' : '';
  const config = [
    `project: ${name}`,
    'testGate: { command: "true" }',
    'targets:',
    `  - { name: sealed, arch: amd64, os: generic${size}, build: [${JSON.stringify(run)}], artifacts: [out/*] }`,
    `  - { name: egress, arch: amd64, os: generic${size}, network: true, build: [${JSON.stringify(run)}], artifacts: [out/*] }`,
  ].join('\n');
  await withWorker(async ({ client, taskQueue, stateDir, orchestrator }) => {
    const host = { temporal: Number(temporalAddress().split(':').pop()), gateway: Number(new URL(orchestrator.gateway.url).port) };
    const unchanged = untouched(stateDir);
    const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: makeProject(config, { 'probe.js': REACH_PROBE }), taskQueue });
    let finished = false;
    const fed = new Map<string, Promise<unknown>>();
    const feeding = (async () => {
      while (!finished) {
        for (const m of await machines(handle.workflowId)) if (!fed.has(m)) fed.set(m, feedPorts(m, host, () => finished));
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    try {
      await handle.result();
    } finally {
      finished = true;
      await feeding;
    }
    const given = (await Promise.all(fed.values())).filter(Boolean) as { relays: number[]; clients: number[] }[];
    assert.equal(given.length, 2, 'both machines were handed the agent\'s ports');
    for (const g of given) assert.ok(g.clients.length > 0, `the agent's client ports were found: ${JSON.stringify(g)}`);
    if (!provider) for (const g of given) assert.equal(g.relays.length, 2, `a docker machine's agent relays Temporal and the gateway on its loopback: ${JSON.stringify(g)}`);
    for (const target of ['sealed', 'egress']) {
      const r = JSON.parse(readFileSync(join(stateDir, 'artifacts', name, '1.0.0', target, `reach-${target}.json`), 'utf8')) as ReachReport;
      if (process.env.TAGSHIP_TEST_VERBOSE) console.log(target, JSON.stringify(r));
      assert.equal(r.uid, 10000, 'the build runs as the build user');
      assert.equal(r.own, 'answered', `${target}: the probe hears a server that answers`);
      assert.deepEqual(r.scan, ['own'], `${target}: of 65,535 loopback ports only the build's own answers`);
      assert.ok(Object.keys(r.bypass).length >= 24, `${target}: the bypass was tried (${Object.keys(r.bypass).length} times)`);
      for (const [where, verdict] of Object.entries({ ...r.bypass, ...r.direct })) assert.notEqual(verdict, 'answered', `${target}: ${where} answered the build`);
      // Docker machines go out through tagship's egress proxy alone (no default route; on the
      // proxy's address, its port only); emulated droplets, which have no proxy, through NAT.
      const proxied = target === 'egress' && !provider;
      assert.equal('temporal@gateway' in r.direct, target === 'egress' && !proxied, `${target}: a default route only with network: true and no proxy`);
      assert.equal(r.proxy !== undefined, proxied, `${target}: given the egress proxy only when it asked for network, on a docker machine`);
      if (r.proxy) {
        assert.equal(r.proxy.own, 'answered', 'the proxy answers on its port');
        for (const [name, verdict] of Object.entries(r.proxy)) if (name !== 'own') assert.equal(verdict, 'ECONNREFUSED', `the host's ${name} port at the proxy's address is refused (${verdict})`);
      }
      for (const [ip, route] of Object.entries(r.routes)) assert.match(route, target === 'egress' ? /^refused: .*(Permission denied|prohibit)/ : /^refused: .*unreachable/, `${target}: ${ip} has no route (${route})`);
      assert.equal(Object.keys(r.routes).length, 5);
      // A droplet keeps the token it enrolled for in a root-only file; a docker machine has it in
      // its agent's environment and its control sockets in a root-only folder.
      assert.equal(r.files.token, provider ? 'EACCES' : 'ENOENT', 'the machine\'s token file is out of reach');
      assert.equal(r.files.control, provider ? 'ENOENT' : 'EACCES', 'the control sockets\' folder is root\'s');
      assert.equal(r.files.docker, 'absent', 'no Docker socket');
      assert.equal(r.files.environ, 0, 'no process the build sees holds the agent\'s settings');
      assert.ok(r.files.processes < 10, `the build sees its own processes only (${r.files.processes})`);
    }
    assert.deepEqual(await containersOf(handle.workflowId), [], 'the machines were deleted');
    unchanged();
  }, provider ? { provider } : {});
}

test('docker machines: a build gets nothing from the agent\'s relays, even bound to the agent\'s own ports', async () => {
  // The build machines only: the test gate's container (same release, role test-gate) runs
  // beside them while they are made ready.
  await attack(async (id) => (await docker.listContainers({ filters: { label: [`${MachineLabel.release}=${id}`, `${MachineLabel.role}=build`] } })).map((c) => (c.Names[0] ?? c.Id).replace(/^\//, '')));
});

test('emulated droplets: a build gets nothing from Temporal or the gateway on the loopback it shares with its agent', async () => {
  const em = await startEmulator();
  try {
    await attack(async () => (await backingContainers()).map((n) => n.replace(/^\//, '')), emulatorProvider(em));
  } finally {
    await em.close();
  }
});
