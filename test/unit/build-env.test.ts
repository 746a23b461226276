// The build's environment and the redaction of what it prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentSecrets, buildEnvironment, redactor } from '../../core/build-env.ts';

test('a build environment is made from scratch plus the release\'s variables', () => {
  const env = buildEnvironment({ TAGSHIP_VERSION: '1.0.0', 'bad name': 'x' }, '/work/home');
  assert.deepEqual(Object.keys(env).sort(), ['HOME', 'LANG', 'PATH', 'TAGSHIP_VERSION', 'TERM']);
  assert.equal(env.HOME, '/work/home');
});

test('secrets are redacted wherever they appear, longest first; short values are left alone', () => {
  const redact = redactor(['s3cr3t-token-value', 's3cr3t', 'abc']);
  assert.equal(redact('a s3cr3t-token-value b s3cr3t-token-values abc'), 'a [redacted] b [redacted]s abc');
  const secrets = agentSecrets({ TAGSHIP_AGENT_TOKEN: 'tok-0123456789', TAGSHIP_CODEC_KEYS: 'k1:AAAABBBBCCCC,k2:DDDDEEEEFFFF' });
  const r = redactor(secrets);
  assert.equal(r('TAGSHIP_CODEC_KEYS=k1:AAAABBBBCCCC,k2:DDDDEEEEFFFF token=tok-0123456789 DDDDEEEEFFFF'), 'TAGSHIP_CODEC_KEYS=[redacted] token=[redacted] [redacted]');
});
