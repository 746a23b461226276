// Where a key is used, the binding is checked again (activities/signing.ts resolveKey): a
// workflow input, like a tagship.yml, may name only the project's own key variable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveKey } from '../../activities/signing.ts';

const env = { HELLO_VEILID_SIGNING_KEY: '/keys/hello.asc', OTHER_SIGNING_KEY: '/keys/other.asc' };

test('a project resolves its own key variable, and nothing else', () => {
  assert.deepEqual(resolveKey({ keyFile: 'env:HELLO_VEILID_SIGNING_KEY' }, env, 'repositories.deb.signingKey', 'hello-veilid'), { keyFile: '/keys/hello.asc' });
  for (const key of [{ keyFile: 'env:OTHER_SIGNING_KEY' }, { keyFile: '/keys/other.asc' }, { fingerprint: 'ABCDEF0123456789' }]) {
    assert.throws(() => resolveKey(key, env, 'repositories.deb.signingKey', 'hello-veilid'), (err: Error) => err.message.startsWith('repositories.deb.signingKey: ') && /prefix HELLO_VEILID_|is a path|fingerprint alone/.test(err.message), JSON.stringify(key));
  }
  assert.throws(() => resolveKey({ keyFile: 'env:HELLO_VEILID_MISSING' }, env, 'checksums.signingKey', 'hello-veilid'), /the worker has no HELLO_VEILID_MISSING in its environment/);
});
