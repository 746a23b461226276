// The signed .deb repository, deployed to the repo server and installed from by real apt-get
// in a clean Debian container.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { historyText, withWorker } from '../helpers/temporal.ts';
import { withRegistries } from '../helpers/registries.ts';
import { generateTestKey, publicKeyring } from '../helpers/gpg.ts';
import { aptScript, inContainer } from '../helpers/clients.ts';
import { startRepoServer } from '../../providers/reposerver/server.ts';
import { startRelease } from '../../client/release.ts';
import { REPO_ROOT } from '../../providers/paths.ts';

function exampleCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tagship-hv-'));
  cpSync(join(REPO_ROOT, 'examples', 'hello-veilid'), dir, { recursive: true, filter: (src) => !src.includes('/out') });
  return dir;
}

test('apt-get installs the released package from the signed repository, and refuses a wrong key', async () => {
  const key = generateTestKey();
  process.env.HELLO_VEILID_SIGNING_KEY = key.keyFile;
  const dir = exampleCopy();
  await withRegistries(async (registries) => withWorker(async ({ client, taskQueue, stateDir }) => {
    const server = await startRepoServer({ root: join(stateDir, 'repo-server') });
    try {
      const targets = ['amd64-deb', 'arm64-deb'];
      const started = await startRelease(client, { project: 'hello-veilid', tag: 'v3.1.0', projectDir: dir, taskQueue, targets });
      assert.equal(started.existing, false, 'a fresh release (tags are unique per test file on the shared server)');
      const first = await started.handle.result();
      assert.equal(first.repositories?.debSuite, 'stable');

      const keys = mkdtempSync(join(tmpdir(), 'tagship-keys-'));
      writeFileSync(join(keys, 'keyring.gpg'), Buffer.from(await (await fetch(`${server.url}/hello-veilid/deb/hello-veilid-archive-keyring.gpg`)).arrayBuffer()));
      const line = `deb [signed-by=/usr/share/keyrings/tagship-test.gpg] ${server.url}/hello-veilid/deb stable main`;
      const ok = await inContainer(aptScript(line, 'apt-get install -y hello-veilid hello-veilid-cli >/dev/null 2>&1\nhello-veilid --version\nhello-veilid-cli --version'), { mounts: { [keys]: '/keys' } });
      assert.equal(ok.code, 0, ok.output);
      assert.doesNotMatch(ok.output, /^W:|NO_PUBKEY|not signed|insecure/im, 'apt-get update gives no signature warnings');
      assert.match(ok.output, /hello-veilid 3\.1\.0\n/);
      assert.match(ok.output, /hello-veilid-cli 3\.1\.0\n/);

      // The same repository with another key in signed-by must be refused by apt.
      const wrongKeys = mkdtempSync(join(tmpdir(), 'tagship-keys-'));
      publicKeyring(generateTestKey('someone else <x@example.invalid>').keyFile, join(wrongKeys, 'keyring.gpg'));
      const refused = await inContainer(aptScript(line, 'apt-get install -y hello-veilid'), { mounts: { [wrongKeys]: '/keys' } });
      assert.notEqual(refused.code, 0, 'apt refuses a repository signed by another key');
      assert.match(refused.output, /NO_PUBKEY|not signed|signatures couldn't be verified/i);

      // A prerelease lands in the testing suite; stable keeps 3.1.0; the pool keeps both.
      const pre = await (await startRelease(client, { project: 'hello-veilid', tag: 'v3.2.0-rc.1', projectDir: dir, taskQueue, targets })).handle.result();
      assert.equal(pre.repositories?.debSuite, 'testing');
      const stable = await (await fetch(`${server.url}/hello-veilid/deb/dists/stable/main/binary-amd64/Packages`)).text();
      const testing = await (await fetch(`${server.url}/hello-veilid/deb/dists/testing/main/binary-amd64/Packages`)).text();
      assert.match(stable, /Version: 3\.1\.0\n/);
      assert.doesNotMatch(stable, /3\.2\.0/);
      assert.match(testing, /Version: 3\.2\.0~rc\.1\n/);
      const pool = readdirSync(join(stateDir, 'repo-server', 'hello-veilid', 'current', 'deb', 'pool', 'main', 'h', 'hello-veilid'));
      assert.deepEqual(pool.sort(), ['hello-veilid_3.1.0_amd64.deb', 'hello-veilid_3.1.0_arm64.deb', 'hello-veilid_3.2.0~rc.1_amd64.deb', 'hello-veilid_3.2.0~rc.1_arm64.deb']);
      const release = await (await fetch(`${server.url}/hello-veilid/deb/dists/stable/Release`)).text();
      assert.doesNotMatch(release, /InRelease|Release\.gpg/, 'Release hashes index files only, never signatures');
      assert.ok(existsSync(join(stateDir, 'repo-server', 'hello-veilid', 'previous')), 'the previous tree is kept for rollback');

      // No key material and no agent token in any history of the release.
      const secrets = [
        ...key.secretArmored.split('\n').filter((l) => l.length >= 60).slice(2, 6),
        readFileSync(join(stateDir, 'agent-token'), 'utf8').trim(),
        registries.tokens.crates,
        registries.tokens.pypi,
      ];
      assert.ok(secrets.length >= 6);
      const ids = [started.handle.workflowId, ...targets.map((t) => `${started.handle.workflowId}/target/${t}`), 'repo-deploy:hello-veilid'];
      for (const id of ids) {
        const text = await historyText(client, id);
        assert.ok(text.length > 1000, `${id} has a history to search`);
        for (const secret of secrets) assert.ok(!text.includes(secret), `${id} must not contain secret material`);
      }
    } finally {
      await server.close();
      delete process.env.HELLO_VEILID_SIGNING_KEY;
    }
  }));
});
