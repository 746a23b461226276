// Names that become paths in the artifact store: every attack form is refused, ordinary
// package names pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storeNameProblem } from '../../core/store-names.ts';

test('ordinary names pass', () => {
  for (const name of ['hello-veilid_1.4.0_amd64.deb', 'hello-veilid-1.4.0-1.x86_64.rpm', 'hello_veilid-1.4.0-py3-none-any.whl', 'hello-core-1.4.0.crate', 'a+b~c.tar.gz']) {
    assert.equal(storeNameProblem('artifact', name), null, name);
  }
  assert.equal(storeNameProblem('version', '1.4.0-rc.1+build.5'), null);
  assert.equal(storeNameProblem('project', 'hello-veilid'), null);
});

test('every way out of the store is refused', () => {
  const attacks = ['', '.', '..', '../x', 'a/b', '/etc/shadow', 'a\\b', '.hidden', '.x.partial', 'x\0y', ' x', 'x'.repeat(256), 'manifest\n.json', '%2e%2e'];
  for (const a of attacks) assert.notEqual(storeNameProblem('artifact', a), null, JSON.stringify(a));
  for (const v of ['', '..', '.', '1.0/..', '1..0', '.1', '/1.0.0', '1.0.0%2F']) assert.notEqual(storeNameProblem('version', v), null, JSON.stringify(v));
  for (const p of ['', '..', 'A', 'p/q', '-p', 'p_q']) assert.notEqual(storeNameProblem('project', p), null, JSON.stringify(p));
  assert.notEqual(storeNameProblem('artifact', 7), null, 'not a string');
  assert.match(storeNameProblem('artifact', '..')!, /artifact ".." is not allowed; it must be a plain file name/);
});
