// A hotfix of an older release line (issue 13): with keepVersions 3 and 8.4.1–8.4.3 served,
// releasing v8.3.9 must serve 8.3.9 beside them — real apt-get and dnf in clean containers
// install it when pinned to it, and still get 8.4.3 by default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { withWorker } from '../helpers/temporal.ts';
import { withRegistries } from '../helpers/registries.ts';
import { generateTestKey } from '../helpers/gpg.ts';
import { aptScript, dnfScript, inContainer } from '../helpers/clients.ts';
import { freePort } from '../../providers/net/ports.ts';
import { startRepoServer } from '../../providers/reposerver/server.ts';
import { startRelease } from '../../client/release.ts';
import { helloVeilidCopy } from '../helpers/example-files.ts';

test('a hotfix of an older line is served beside the newer one: apt-get and dnf install it when pinned, and the newest by default', async () => {
  const key = generateTestKey();
  process.env.HELLO_VEILID_SIGNING_KEY = key.keyFile;
  const port = await freePort();
  const dir = helloVeilidCopy(port);
  assert.match(readFileSync(join(dir, 'tagship.yml'), 'utf8'), /keepVersions: 3/, 'the example keeps 3 versions');
  await withRegistries(async () => withWorker(async ({ client, taskQueue, stateDir }) => {
    const server = await startRepoServer({ root: join(stateDir, 'repo-server'), port });
    try {
      const targets = ['amd64-deb', 'amd64-rpm'];
      for (const tag of ['v8.4.1', 'v8.4.2', 'v8.4.3', 'v8.3.9']) {
        const r = await (await startRelease(client, { project: 'hello-veilid', tag, projectDir: dir, taskQueue, targets })).handle.result();
        assert.equal(r.repositories?.debSuite, 'stable', tag);
      }
      const packages = await (await fetch(`${server.url}/hello-veilid/deb/dists/stable/main/binary-amd64/Packages`)).text();
      const versions = [...packages.matchAll(/^Package: hello-veilid-cli\n(?:.+\n)*?Version: (.+)$/gm)].map((m) => m[1]).sort();
      assert.deepEqual(versions, ['8.3.9', '8.4.1', '8.4.2', '8.4.3']);

      const keys = mkdtempSync(join(tmpdir(), 'tagship-keys-'));
      writeFileSync(join(keys, 'keyring.gpg'), Buffer.from(await (await fetch(`${server.url}/hello-veilid/deb/hello-veilid-archive-keyring.gpg`)).arrayBuffer()));
      const line = `deb [signed-by=/usr/share/keyrings/tagship-test.gpg] ${server.url}/hello-veilid/deb stable main`;
      const apt = await inContainer(aptScript(line, 'apt-get install -y hello-veilid-cli=8.3.9 >/dev/null 2>&1\nhello-veilid-cli --version\napt-get install -y hello-veilid-cli >/dev/null 2>&1\nhello-veilid-cli --version'), { mounts: { [keys]: '/keys' } });
      assert.equal(apt.code, 0, apt.output);
      assert.match(apt.output, /hello-veilid-cli 8\.3\.9\n(?:.*\n)*hello-veilid-cli 8\.4\.3\n/);

      const repoUrl = `${server.url}/hello-veilid/rpm/stable/hello-veilid.repo`;
      const pinned = await inContainer(dnfScript(repoUrl, 'hello-veilid-cli-8.3.9'));
      assert.equal(pinned.code, 0, pinned.output);
      assert.match(pinned.output, /hello-veilid-cli 8\.3\.9\n/);
      const latest = await inContainer(dnfScript(repoUrl, 'hello-veilid-cli'));
      assert.equal(latest.code, 0, latest.output);
      assert.match(latest.output, /hello-veilid-cli 8\.4\.3\n/);
    } finally {
      await server.close();
    }
  }));
});
