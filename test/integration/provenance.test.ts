// Signed provenance, checked by an independent verifier from PyPI (securesystemslib for the
// DSSE signature, in-toto-attestation for the Statement and the SLSA Provenance v1 predicate):
// scripts/verify-provenance.py, run with the packages the bootstrap installs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { makeRepo } from '../helpers/git-repos.ts';
import { startGitServer } from '../../embedded/git-http.ts';
import { uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { projectsFrom } from '../../providers/projects/file.ts';
import { startRelease } from '../../client/release.ts';
import { runProvenanceVerifier } from '../../scripts/lib/provenance-verifier.ts';
import type { DsseEnvelope } from '../../pipes/provenance/activities.ts';

const verify = runProvenanceVerifier;

test('a release ships provenance the independent verifier accepts; one changed byte fails it', async () => {
  const project = `prov-${uniqueSuffix()}`;
  const root = mkdtempSync(join(tmpdir(), 'tagship-prov-git-'));
  const build = 'mkdir -p out && echo one > out/one.txt && echo two > out/two.txt';
  const repo = makeRepo(root, project, { 'tagship.yml': `project: ${project}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: [${JSON.stringify(build)}], artifacts: [out/*.txt] }\n` });
  const commit = repo.git('rev-parse', 'HEAD');
  repo.tag('v1.0.0', { annotated: true });
  const git = await startGitServer({ root });
  const projects = projectsFrom(`projects:\n  ${project}: { repository: "${git.url}/${project}.git" }\n`, 'projects.yml', {});
  await withWorker(
    async ({ client, taskQueue, stateDir }) => {
      const { handle } = await startRelease(client, { project, tag: 'v1.0.0', taskQueue, commit });
      const result = await handle.result();
      assert.ok(result.provenance, 'the result names the provenance');
      const envelopePath = result.provenance.path;
      // The public half, which the worker writes beside its key for verifiers.
      const publicKey = join(stateDir, 'provenance-key.pub.pem');
      const artifacts = join(stateDir, 'artifacts', project, '1.0.0');

      const ok = await verify(envelopePath, publicKey, artifacts);
      assert.equal(ok.code, 0, ok.out);
      assert.match(ok.out, new RegExp(`provenance verified: 2 subjects, commit ${commit}`));

      // What it states: the commit, the config, the machine and the commands.
      const envelope = JSON.parse(readFileSync(envelopePath, 'utf8')) as DsseEnvelope;
      const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { subject: { name: string }[]; predicate: { buildDefinition: { resolvedDependencies: { digest: Record<string, string> }[]; internalParameters: { targets: Record<string, { commands: string[]; machine: { image: string } }> }; externalParameters: { config?: unknown } }; runDetails: { metadata: { invocationId: string } } } };
      assert.deepEqual(statement.subject.map((s) => s.name), ['t/one.txt', 't/two.txt']);
      assert.equal(statement.predicate.buildDefinition.resolvedDependencies[0]!.digest.gitCommit, commit);
      assert.deepEqual(statement.predicate.buildDefinition.internalParameters.targets.t!.commands, [build]);
      assert.equal(statement.predicate.buildDefinition.internalParameters.targets.t!.machine.image, 'tagship/machine:bookworm-amd64');
      assert.ok(statement.predicate.buildDefinition.externalParameters.config, 'the config digest');
      assert.match(statement.predicate.runDetails.metadata.invocationId, new RegExp(`^release:${project}:v1\\.0\\.0/`));

      // One byte of one artifact changed: refused, naming it.
      const changed = mkdtempSync(join(tmpdir(), 'tagship-prov-changed-'));
      cpSync(artifacts, changed, { recursive: true });
      writeFileSync(join(changed, 't', 'two.txt'), 'twO\n');
      const bad = await verify(envelopePath, publicKey, changed);
      assert.equal(bad.code, 1);
      assert.match(bad.out, /provenance NOT verified: t\/two\.txt has sha256/);

      // A statement altered after signing: the signature no longer holds.
      const forged = { ...envelope, payload: Buffer.from(Buffer.from(envelope.payload, 'base64').toString('utf8').replace('t/two.txt', 't/tw0.txt')).toString('base64') };
      const forgedPath = join(changed, 'forged.json');
      writeFileSync(forgedPath, JSON.stringify(forged));
      const unsigned = await verify(forgedPath, publicKey, artifacts);
      assert.equal(unsigned.code, 1);
      assert.match(unsigned.out, /provenance NOT verified: signature/);
    },
    { projects },
  );
  await git.close();
});
