// How a droplet's agent connects: what of the worker's Temporal configuration goes into the user
// data (public: TLS on, the CA, the server name) and what only the enrolment hands over (the
// client certificate and key, the API key, gRPC metadata); and the user data's own checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT_TEMPORAL_CA_FILE, HANDED_TO_AGENTS, agentTemporalProfile } from '../../providers/temporal/connection.ts';
import { agentUserData } from '../../providers/digitalocean/machines.ts';
import { agentSecrets } from '../../core/build-env.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBclient\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEsecret\n-----END PRIVATE KEY-----\n';

test('mTLS: the CA and server name are public, the client certificate and key are handed at enrolment', () => {
  const p = agentTemporalProfile({
    address: 'temporal.example.org:7233',
    tls: { serverRootCACertificate: Buffer.from(CA), serverNameOverride: 'frontend.internal', clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY) } },
    apiKey: 'api-key-0123456789',
    metadata: { 'x-tenant': 'acme' },
  });
  assert.deepEqual(p.env, { TEMPORAL_TLS: 'true', TEMPORAL_TLS_SERVER_NAME: 'frontend.internal', TEMPORAL_TLS_SERVER_CA_CERT_PATH: AGENT_TEMPORAL_CA_FILE });
  assert.deepEqual(p.files, { [AGENT_TEMPORAL_CA_FILE]: CA });
  assert.deepEqual(p.handed, { TEMPORAL_TLS_CLIENT_CERT_DATA: CERT, TEMPORAL_TLS_CLIENT_KEY_DATA: KEY, TEMPORAL_API_KEY: 'api-key-0123456789', TEMPORAL_GRPC_META_X_TENANT: 'acme' });
  assert.ok(Object.keys(p.handed).every((k) => HANDED_TO_AGENTS.test(k)), 'the agent takes every handed variable');
  assert.ok(!JSON.stringify([p.env, p.files]).includes('PRIVATE KEY') && !JSON.stringify([p.env, p.files]).includes('api-key'), 'nothing secret is public');
  // The agent's redactor knows the handed secrets.
  assert.ok(agentSecrets(p.handed).includes(KEY) && agentSecrets(p.handed).includes('api-key-0123456789'));
});

test('plain Temporal: nothing to add; TLS with the system CAs: only TLS on', () => {
  assert.deepEqual(agentTemporalProfile({ address: '127.0.0.1:7233' }), { env: {}, files: {}, handed: {} });
  assert.deepEqual(agentTemporalProfile({ address: 'x:7233', tls: true }), { env: { TEMPORAL_TLS: 'true' }, files: {}, handed: {} });
});

test('the enrolment answer cannot set anything else in the agent\'s environment', () => {
  for (const k of ['PATH', 'NODE_OPTIONS', 'TAGSHIP_GATEWAY_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'LD_PRELOAD']) assert.ok(!HANDED_TO_AGENTS.test(k), k);
});

test('user data writes its files from base64 and refuses paths that climb or quote', () => {
  const data = agentUserData({ TAGSHIP_MACHINE: 'm1' }, { [AGENT_TEMPORAL_CA_FILE]: CA });
  const line = data.split('\n').find((l) => l.includes(AGENT_TEMPORAL_CA_FILE))!;
  const b64 = /echo '([A-Za-z0-9+/=]+)' \| base64 -d > '\/var\/lib\/tagship\/temporal-ca\.pem'$/.exec(line)?.[1];
  assert.equal(Buffer.from(b64 ?? '', 'base64').toString(), CA);
  assert.ok(data.indexOf(line) < data.indexOf('exec '), 'written before the agent starts');
  assert.throws(() => agentUserData({}, { '/var/lib/../../etc/passwd': 'x' }), /cannot be a file/);
  assert.throws(() => agentUserData({}, { "/tmp/a'; rm -rf /; '": 'x' }), /cannot be a file/);
  assert.throws(() => agentUserData({}, { 'relative/path': 'x' }), /cannot be a file/);
});
