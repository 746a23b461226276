// Machine tokens: bound to one scope, signed, expiring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mintEnrolment, mintMachineToken, verifyEnrolment, verifyMachineToken } from '../../providers/gateway/tokens.ts';

const scope = { project: 'p', version: '1.0.0', target: 't', machine: 'm1', expiresAt: 2_000 };

test('a token verifies to its scope with the secret that minted it, until it expires', () => {
  const token = mintMachineToken('secret', scope);
  assert.deepEqual(verifyMachineToken('secret', token, 1_000), scope);
  assert.equal(verifyMachineToken('secret', token, 2_001), null, 'expired');
  assert.equal(verifyMachineToken('other secret', token, 1_000), null, 'another secret');
  assert.ok(!token.includes('secret'), 'the secret is not in the token');
});

test('altered, truncated or foreign tokens are refused', () => {
  const token = mintMachineToken('secret', scope);
  const [prefix, , sig] = token.split('.');
  const widened = `${prefix}.${Buffer.from(JSON.stringify({ ...scope, project: 'q' })).toString('base64url')}.${sig}`;
  for (const bad of [widened, token.slice(0, -2), `${token}x`, 'secret', '', 'tsm1..', `tsm2.${token.slice(5)}`]) {
    assert.equal(verifyMachineToken('secret', bad, 1_000), null, bad.slice(0, 40));
  }
});

test('an enrolment secret carries its machine\'s scope and a nonce; neither kind passes for the other', () => {
  const enrolment = mintEnrolment('secret', scope);
  const verified = verifyEnrolment('secret', enrolment, 1_000);
  assert.ok(verified);
  const { nonce, ...rest } = verified;
  assert.deepEqual(rest, scope);
  assert.match(nonce, /^[A-Za-z0-9_-]{16}$/);
  assert.notEqual(verifyEnrolment('secret', mintEnrolment('secret', scope), 1_000)?.nonce, nonce, 'each secret is new');
  assert.equal(verifyEnrolment('secret', enrolment, 2_001), null, 'expired');
  assert.equal(verifyMachineToken('secret', enrolment, 1_000), null, 'an enrolment secret is no token');
  assert.equal(verifyEnrolment('secret', mintMachineToken('secret', scope), 1_000), null, 'a token is no enrolment secret');
});
