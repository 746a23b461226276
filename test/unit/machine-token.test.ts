// Machine tokens: bound to one scope, signed, expiring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mintMachineToken, verifyMachineToken } from '../../providers/gateway/tokens.ts';

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
