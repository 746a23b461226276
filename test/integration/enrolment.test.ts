// A droplet's user data stays readable through the metadata service for the droplet's life, so
// it carries a one-time enrolment secret, not a token: the agent trades it at the gateway once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pino } from 'pino';
import { FsArtifactStore } from '../../providers/artifacts-fs/store.ts';
import { startGateway } from '../../providers/gateway/server.ts';
import { mintEnrolment, mintMachineToken, verifyEnrolment, verifyMachineToken } from '../../providers/gateway/tokens.ts';
import { emulatorProvider, startEmulator } from '../helpers/digitalocean.ts';
import { localSources } from '../../providers/sources/tars.ts';

const secret = 'e'.repeat(32);
const scope = { project: 'p', version: '1.0.0', target: 't', machine: 'tagship-p-1.0.0-t-m1', expiresAt: Date.now() + 600_000 };

test('an enrolment secret buys its machine\'s token once, also across a gateway restart', async () => {
  const state = mkdtempSync(join(tmpdir(), 'tagship-enrol-'));
  const ledger = join(state, 'enrolments-used');
  const refusals: { msg: string }[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void refusals.push(JSON.parse(line) as { msg: string }) });
  const open = () => startGateway({ store: new FsArtifactStore(join(state, 'artifacts')), sources: localSources(join(state, 'sources')), token: secret, log, enrolmentLedger: ledger });
  const enrolment = mintEnrolment(secret, scope);
  const enrol = (url: string, auth: string) => fetch(`${url}/enrol`, { method: 'POST', headers: { authorization: auth } });

  let gateway = await open();
  try {
    const first = await enrol(gateway.url, `Enrol ${enrolment}`);
    assert.equal(first.status, 200);
    const { token } = (await first.json()) as { token: string };
    const granted = verifyMachineToken(secret, token, Date.now());
    assert.deepEqual({ ...granted, expiresAt: 0 }, { ...scope, expiresAt: 0 }, 'the token is bound to the enrolled machine\'s scope');
    // The token works where the machine may write.
    const body = 'artifact';
    const put = await fetch(`${gateway.url}/artifacts/p/1.0.0/t/a.bin`, { method: 'PUT', body, headers: { authorization: `Bearer ${token}`, 'x-tagship-sha256': createHash('sha256').update(body).digest('hex'), 'x-tagship-created-at': 'now' } });
    assert.equal(put.status, 201);

    const again = await enrol(gateway.url, `Enrol ${enrolment}`);
    assert.equal(again.status, 409);
    assert.match(((await again.json()) as { message: string }).message, /was used before; a machine enrols once/);
    await gateway.close();
    gateway = await open();
    assert.equal((await enrol(gateway.url, `Enrol ${enrolment}`)).status, 409, 'still used after a restart');

    const forged = enrolment.replace(/\.[^.]+$/, '.AAAA');
    for (const bad of [`Enrol ${forged}`, `Enrol ${mintEnrolment('other secret', scope)}`, `Enrol ${mintEnrolment(secret, { ...scope, expiresAt: Date.now() - 1 })}`, `Bearer ${enrolment}`, '']) {
      assert.equal((await enrol(gateway.url, bad)).status, 401, bad.slice(0, 30));
    }
    assert.equal(refusals.filter((r) => /enrolment refused/.test(r.msg)).length, 7, 'every refusal is logged');
    assert.ok(!readFileSync(ledger, 'utf8').includes(enrolment), 'the ledger holds nonces, not secrets');
  } finally {
    await gateway.close();
  }
});

test('droplet user data carries a one-time enrolment secret, never a token', async () => {
  const em = await startEmulator({ bootDelayMs: 200 });
  try {
    const provider = emulatorProvider(em)({
      gatewayUrl: 'http://127.0.0.1:1',
      tokenFor: (spec) => mintMachineToken(secret, { ...scope, machine: spec.name }),
      enrolmentFor: (spec) => mintEnrolment(secret, { ...scope, machine: spec.name }),
      agentEnv: {},
    });
    const name = `tagship-enrol-${Date.now()}`;
    await provider.create({ name, arch: 'amd64', image: 'tagship-agent-snapshot', size: 's-1vcpu-1gb', labels: {} });
    const data = [...em.droplets.values()].find((d) => d.name === name)?.user_data ?? '';
    const enrolment = /export TAGSHIP_ENROLMENT='([^']+)'/.exec(data)?.[1] ?? '';
    assert.equal(verifyEnrolment(secret, enrolment, Date.now())?.machine, name, 'the secret enrols this droplet');
    assert.ok(!/TAGSHIP_AGENT_TOKEN|tsm1\./.test(data), 'no token in user data');
    await provider.delete(name);
  } finally {
    await em.close();
  }
});
