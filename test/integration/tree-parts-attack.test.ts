// The folders pipes add to the deployed tree (releases/<version>/ with SHA256SUMS) come through
// an activity input: a hostile one — a folder or file name that climbs out, a record name that
// points at the orchestrator's secrets, an artifact the release never recorded — is refused,
// and nothing outside the staging folder changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import Docker from 'dockerode';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { FsArtifactStore } from '../../providers/artifacts-fs/store.ts';
import { createRepositoryActivities, type BuildRepositoriesInput } from '../../pipes/repositories/activities.ts';
import type { TreePart } from '../../pipes/pipe.ts';
import { digestTree } from '../helpers/files.ts';
import { FsRepositoryHost } from '../../providers/repo-fs/host.ts';

test('hostile tree parts are refused and write nothing outside staging', async () => {
  const state = mkdtempSync(join(tmpdir(), 'tagship-tree-attack-'));
  writeFileSync(join(state, 'agent-token'), 'secret-token\n');
  mkdirSync(join(state, 'artifacts', 'p', '1.0.0', '.records'), { recursive: true });
  writeFileSync(join(state, 'artifacts', 'p', '1.0.0', '.records', 'checksums.json'), JSON.stringify({ SHA256SUMS: 'x  a\n' }));
  const store = new FsArtifactStore(join(state, 'artifacts'));
  const activities = createRepositoryActivities({ stateDir: state, repositories: new FsRepositoryHost(join(state, 'repo-server'), join(state, 'repos')), artifacts: store, docker: new Docker(), rpmImage: 'unused' });
  const buildRepositories = (i: BuildRepositoriesInput) => activities.buildRepositories(i);
  const env = new MockActivityEnvironment();
  const input = (tree: TreePart[]): BuildRepositoriesInput => ({ project: 'p', version: '1.0.0', channel: 'stable', targets: [], stagingId: '1.0.0-attack', expected: {}, tree });
  const before = digestTree(state, (p) => p.startsWith('repos/'));
  const attacks: [TreePart[], RegExp][] = [
    [[{ folder: '../../outside', files: [] }], /must be <folder>\/<name>|is not allowed/],
    [[{ folder: 'releases/..', files: [] }], /is not allowed|must not contain/],
    [[{ folder: 'deb/evil', files: [] }], /beside the repositories/],
    [[{ folder: 'releases/1.0.0', files: [{ name: '../../agent-token', record: 'checksums', field: 'SHA256SUMS' }] }], /artifact "\.\.\/\.\.\/agent-token" is not allowed/],
    [[{ folder: 'releases/1.0.0', files: [{ name: 'stolen', record: '../../../agent-token', field: 'x' }] }], /record .* is not allowed/],
    [[{ folder: 'releases/1.0.0', files: [{ name: 'x', artifact: { target: 't', name: 'never-built' } }] }], /never-built of target t is not among the release's recorded artifacts/],
  ];
  for (const [tree, why] of attacks) {
    await assert.rejects(env.run(buildRepositories, input(tree)), (e: unknown) => {
      // Bad input is final: no retry can change it.
      assert.ok(e instanceof ApplicationFailure && e.nonRetryable, `${JSON.stringify(tree)}: ${String(e)}`);
      assert.match(e.message, why);
      return true;
    });
  }
  assert.deepEqual(digestTree(state, (p) => p.startsWith('repos/')), before, 'nothing changed outside the staging folder');
  assert.ok(!readdirSync(join(state)).includes('outside'));

  // The same input with honest names stages the record's text.
  const ok: { staging: string } = await env.run(buildRepositories, input([{ folder: 'releases/1.0.0', files: [{ name: 'SHA256SUMS', record: 'checksums', field: 'SHA256SUMS' }] }]));
  assert.deepEqual(readdirSync(join(ok.staging, 'releases', '1.0.0')), ['SHA256SUMS']);
});
