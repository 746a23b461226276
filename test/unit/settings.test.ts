// tagship's settings are read in one step: every variable declared once, each error naming the
// variable and the fix, and the values handed down from there (codec, tokens, keys, tools).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSettings, settingsSecrets } from '../../core/settings.ts';

const KEY = Buffer.alloc(32, 7).toString('base64');
const refused = (env: Record<string, string>, why: RegExp) => assert.throws(() => parseSettings(env, '/srv/tagship'), (err: Error) => (assert.match(err.message, /^invalid tagship settings in the environment:/), assert.match(err.message, why), true));

test('defaults: state and tools under the default folder, no codec, no registries', () => {
  const s = parseSettings({}, '/srv/tagship/');
  assert.equal(s.stateDir, '/srv/tagship/');
  assert.equal(s.toolsDir, '/srv/tagship/tools');
  assert.deepEqual(s.codecEnv, {});
  assert.deepEqual(s.registryEnv, {});
  assert.equal(s.codecToken, undefined);
});

test('the state folder carries the tools with it, unless they are put elsewhere', () => {
  assert.equal(parseSettings({ TAGSHIP_STATE_DIR: '/var/lib/tagship' }, '/srv/tagship').toolsDir, '/var/lib/tagship/tools');
  assert.equal(parseSettings({ TAGSHIP_STATE_DIR: '/var/lib/tagship', TAGSHIP_TOOLS_DIR: '/opt/tagship-tools' }, '/srv/tagship').toolsDir, '/opt/tagship-tools');
});

test('codec keys, key id and token are checked here, naming the variable', () => {
  const s = parseSettings({ TAGSHIP_CODEC_KEYS: `k1:${KEY},k2:${KEY}`, TAGSHIP_CODEC_KEY_ID: 'k1', TAGSHIP_CODEC_TOKEN: 'x'.repeat(24) }, '/srv/tagship');
  assert.deepEqual(s.codecEnv, { TAGSHIP_CODEC_KEYS: `k1:${KEY},k2:${KEY}`, TAGSHIP_CODEC_KEY_ID: 'k1' });
  assert.equal(s.codecToken, 'x'.repeat(24));
  refused({ TAGSHIP_CODEC_KEYS: `k1:${KEY}`, TAGSHIP_CODEC_KEY_ID: 'k9' }, /TAGSHIP_CODEC_KEY_ID: is "k9", which TAGSHIP_CODEC_KEYS does not define/);
  refused({ TAGSHIP_CODEC_KEYS: 'k1:short' }, /TAGSHIP_CODEC_KEYS: must be <id>:<base64 of 32 bytes>/);
  refused({ TAGSHIP_CODEC_KEYS: `k 1:${KEY}` }, /TAGSHIP_CODEC_KEYS: must be/);
  refused({ TAGSHIP_CODEC_TOKEN: 'short' }, /TAGSHIP_CODEC_TOKEN: must be at least 24 characters/);
});

test('named registries: their URL and TOKEN variables only', () => {
  const s = parseSettings({ TAGSHIP_REGISTRY_LOCAL_URL: 'http://127.0.0.1:1/', TAGSHIP_REGISTRY_LOCAL_TOKEN: 't', TAGSHIP_REGISTRY_CONFIG: '/etc/docker-registry.yml', TAGSHIP_REGISTRY_X_PASSWORD: 'p', OTHER: 'o' }, '/srv/tagship');
  assert.deepEqual(s.registryEnv, { TAGSHIP_REGISTRY_LOCAL_URL: 'http://127.0.0.1:1/', TAGSHIP_REGISTRY_LOCAL_TOKEN: 't' });
  assert.equal(s.registryConfig, '/etc/docker-registry.yml');
});

test('provenance key and workflow bundle are passed on as given', () => {
  const s = parseSettings({ TAGSHIP_PROVENANCE_KEY: '/etc/tagship/provenance.pem', TAGSHIP_WORKFLOW_BUNDLE: '/opt/tagship/bundle.js' }, '/srv/tagship');
  assert.equal(s.provenanceKeyFile, '/etc/tagship/provenance.pem');
  assert.equal(s.workflowBundle, '/opt/tagship/bundle.js');
});

test('every secret the settings hold is listed for the logger to cut out', () => {
  const s = parseSettings({ TAGSHIP_AGENT_TOKEN: 'a'.repeat(20), TAGSHIP_PROVIDER: 'digitalocean', TAGSHIP_DO_TOKEN: 'do-secret-123', TAGSHIP_CODEC_KEYS: `k1:${KEY}`, TAGSHIP_CODEC_TOKEN: 'c'.repeat(24), TAGSHIP_REGISTRY_LOCAL_TOKEN: 'reg-secret', TAGSHIP_REGISTRY_LOCAL_URL: 'http://127.0.0.1:1/', TAGSHIP_NOTIFY_URL: 'https://chat.example.invalid/hooks/secret-path' }, '/srv/tagship');
  assert.deepEqual(s.notify, { url: 'https://chat.example.invalid/hooks/secret-path', on: 'failure' });
  const secrets = settingsSecrets(s);
  for (const v of ['a'.repeat(20), 'do-secret-123', KEY, `k1:${KEY}`, 'c'.repeat(24), 'reg-secret', 'https://chat.example.invalid/hooks/secret-path']) assert.ok(secrets.includes(v), v);
  assert.ok(!secrets.includes('http://127.0.0.1:1/'), 'a registry URL is no secret');
});

test('notifications: TAGSHIP_NOTIFY_ON is failure or all', () => {
  assert.equal(parseSettings({ TAGSHIP_NOTIFY_URL: 'http://127.0.0.1:1/h', TAGSHIP_NOTIFY_ON: 'all' }, '/srv/tagship').notify?.on, 'all');
  refused({ TAGSHIP_NOTIFY_URL: 'http://127.0.0.1:1/h', TAGSHIP_NOTIFY_ON: 'sometimes' }, /TAGSHIP_NOTIFY_ON/);
  refused({ TAGSHIP_NOTIFY_URL: 'not a url' }, /TAGSHIP_NOTIFY_URL/);
});

test('the S3 artifact store: a bucket name S3 accepts, an endpoint only with a bucket, the secret key cut from logs', () => {
  const s = parseSettings({ TAGSHIP_S3_BUCKET: 'tagship-artifacts', TAGSHIP_S3_ENDPOINT: 'http://127.0.0.1:8333', AWS_SECRET_ACCESS_KEY: 'very-secret-key' }, '/var/lib/tagship');
  assert.deepEqual(s.s3, { bucket: 'tagship-artifacts', endpoint: 'http://127.0.0.1:8333', region: 'us-east-1' });
  assert.ok(settingsSecrets(s).includes('very-secret-key'));
  assert.equal(parseSettings({}, '/var/lib/tagship').s3, undefined, 'the state folder by default');
  assert.throws(() => parseSettings({ TAGSHIP_S3_ENDPOINT: 'http://127.0.0.1:8333' }, '/x'), /TAGSHIP_S3_BUCKET: is required when TAGSHIP_S3_ENDPOINT is set/);
  assert.throws(() => parseSettings({ TAGSHIP_S3_BUCKET: 'Tagship_Artifacts' }, '/x'), /TAGSHIP_S3_BUCKET: must be an S3 bucket name/);
});

test('the repository bucket: on the store\'s endpoint, never the artifact bucket itself (it is served to everyone)', () => {
  const s = parseSettings({ TAGSHIP_S3_BUCKET: 'tagship-artifacts', TAGSHIP_REPO_S3_BUCKET: 'tagship-repos', TAGSHIP_S3_ENDPOINT: 'http://127.0.0.1:8333' }, '/x');
  assert.deepEqual(s.repoS3, { bucket: 'tagship-repos', endpoint: 'http://127.0.0.1:8333', region: 'us-east-1' });
  assert.equal(parseSettings({}, '/x').repoS3, undefined, 'the state folder\'s repo-server/ by default');
  assert.throws(() => parseSettings({ TAGSHIP_S3_BUCKET: 'tagship-artifacts', TAGSHIP_REPO_S3_BUCKET: 'tagship-artifacts' }, '/x'), /TAGSHIP_REPO_S3_BUCKET: is the artifact bucket/);
  assert.throws(() => parseSettings({ TAGSHIP_REPO_S3_BUCKET: 'Repos!' }, '/x'), /TAGSHIP_REPO_S3_BUCKET: must be an S3 bucket name/);
});

test('traces: TAGSHIP_TRACES_URL is a URL, off when unset', () => {
  assert.equal(parseSettings({ TAGSHIP_TRACES_URL: 'http://collector:4318/v1/traces' }, '/x').tracesUrl, 'http://collector:4318/v1/traces');
  assert.equal(parseSettings({}, '/x').tracesUrl, undefined);
  assert.throws(() => parseSettings({ TAGSHIP_TRACES_URL: 'the collector' }, '/x'), /TAGSHIP_TRACES_URL/);
});

test('the gateway: loopback by default; a listening address and the public URL droplets are told', () => {
  const d = parseSettings({}, '/x');
  assert.equal(d.gatewayHost, '127.0.0.1');
  assert.equal(d.gatewayPublicUrl, undefined);
  const s = parseSettings({ TAGSHIP_GATEWAY_HOST: '10.0.0.5', TAGSHIP_GATEWAY_PUBLIC_URL: 'https://gateway.example.org' }, '/x');
  assert.deepEqual([s.gatewayHost, s.gatewayPublicUrl], ['10.0.0.5', 'https://gateway.example.org']);
  refused({ TAGSHIP_GATEWAY_PUBLIC_URL: 'ftp://gateway.example.org' }, /TAGSHIP_GATEWAY_PUBLIC_URL: must be an http\(s\) URL/);
  refused({ TAGSHIP_GATEWAY_HOST: '0.0.0.0; rm -rf /' }, /TAGSHIP_GATEWAY_HOST: must be an address to listen on/);
});

test('the gateway\'s TLS: certificate and key together, an https public URL; droplets\' Temporal address', () => {
  const s = parseSettings({ TAGSHIP_GATEWAY_TLS_CERT: '/etc/gw.pem', TAGSHIP_GATEWAY_TLS_KEY: '/etc/gw.key', TAGSHIP_GATEWAY_TLS_CA: '/etc/ca.pem', TAGSHIP_GATEWAY_PUBLIC_URL: 'https://gw.example.org:7480', TAGSHIP_AGENT_TEMPORAL_ADDRESS: 'temporal.example.org:7233' }, '/x');
  assert.deepEqual(s.gatewayTls, { certFile: '/etc/gw.pem', keyFile: '/etc/gw.key', caFile: '/etc/ca.pem' });
  assert.equal(s.agentTemporalAddress, 'temporal.example.org:7233');
  assert.equal(parseSettings({}, '/x').gatewayTls, undefined);
  refused({ TAGSHIP_GATEWAY_TLS_CERT: '/etc/gw.pem' }, /TAGSHIP_GATEWAY_TLS_KEY: is required with the other/);
  refused({ TAGSHIP_GATEWAY_TLS_KEY: '/etc/gw.key' }, /TAGSHIP_GATEWAY_TLS_CERT: is required with the other/);
  refused({ TAGSHIP_GATEWAY_TLS_CA: '/etc/ca.pem' }, /TAGSHIP_GATEWAY_TLS_CA: is set, but the gateway has no certificate/);
  refused({ TAGSHIP_GATEWAY_TLS_CERT: '/etc/gw.pem', TAGSHIP_GATEWAY_TLS_KEY: '/etc/gw.key', TAGSHIP_GATEWAY_PUBLIC_URL: 'http://gw.example.org' }, /TAGSHIP_GATEWAY_PUBLIC_URL: must be an https:\/\/ URL when the gateway has a certificate/);
  refused({ TAGSHIP_AGENT_TEMPORAL_ADDRESS: 'temporal.example.org' }, /TAGSHIP_AGENT_TEMPORAL_ADDRESS: must be host:port/);
});

test('droplets for targets that name no size: TAGSHIP_DO_SIZE, s-2vcpu-4gb by default', () => {
  assert.equal(parseSettings({ TAGSHIP_PROVIDER: 'digitalocean', TAGSHIP_DO_TOKEN: 't' }, '/x').digitalocean?.size, 's-2vcpu-4gb');
  assert.equal(parseSettings({ TAGSHIP_PROVIDER: 'digitalocean', TAGSHIP_DO_TOKEN: 't', TAGSHIP_DO_SIZE: 'c-4' }, '/x').digitalocean?.size, 'c-4');
  refused({ TAGSHIP_DO_SIZE: 'big one' }, /TAGSHIP_DO_SIZE: must be a DigitalOcean size slug/);
});

test('worker versioning: a deployment and a build id together, or neither', () => {
  assert.equal(parseSettings({}, '/x').deployment, undefined);
  assert.deepEqual(parseSettings({ TAGSHIP_WORKER_DEPLOYMENT: 'tagship', TAGSHIP_WORKER_BUILD_ID: '1.4.0+g2c8cd3a' }, '/x').deployment, { name: 'tagship', buildId: '1.4.0+g2c8cd3a' });
  refused({ TAGSHIP_WORKER_DEPLOYMENT: 'tagship' }, /TAGSHIP_WORKER_BUILD_ID: is required with the other/);
  refused({ TAGSHIP_WORKER_BUILD_ID: 'b1' }, /TAGSHIP_WORKER_DEPLOYMENT: is required with the other/);
  refused({ TAGSHIP_WORKER_DEPLOYMENT: 'tag ship', TAGSHIP_WORKER_BUILD_ID: 'b1' }, /TAGSHIP_WORKER_DEPLOYMENT: must be a deployment name/);
});

test('workflow task slots: the SDK\'s 40 by default, a number of at least 2 when set', () => {
  assert.equal(parseSettings({}, '/x').workflowTaskSlots, 40);
  assert.equal(parseSettings({ TAGSHIP_WORKFLOW_TASK_SLOTS: '8' }, '/x').workflowTaskSlots, 8);
  assert.throws(() => parseSettings({ TAGSHIP_WORKFLOW_TASK_SLOTS: '1' }, '/x'), /TAGSHIP_WORKFLOW_TASK_SLOTS: must be at least 2/);
  assert.throws(() => parseSettings({ TAGSHIP_WORKFLOW_TASK_SLOTS: 'many' }, '/x'), /TAGSHIP_WORKFLOW_TASK_SLOTS/);
});
