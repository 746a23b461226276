import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelsFromTags, machineTags, encodeTagValue } from '../../core/do-tags.ts';

const DO_TAG = /^[A-Za-z0-9:_-]{1,255}$/;

test('release, target, deadline and machine labels round-trip through DigitalOcean tags', () => {
  const labels = { 'tagship.release': 'release:hello-veilid:v1.4.0-rc.1', 'tagship.target': 'amd64-deb', 'tagship.deadline': '29700000' };
  const tags = machineTags(labels, 'tagship-hello-veilid-1.4.0-rc.1-amd64-deb-1a2b3c4d-m1');
  for (const t of tags) assert.match(t, DO_TAG, `${t} follows DO's tag rules`);
  assert.deepEqual(labelsFromTags(tags), { tagship: 'true', ...labels });
});

test('values that cannot be encoded become a hash, still a valid tag', () => {
  const v = encodeTagValue('has space/and slash');
  assert.match(v, /^h_[0-9a-f]{8}$/);
  assert.match(encodeTagValue('x'.repeat(300)), /^h_/);
});
