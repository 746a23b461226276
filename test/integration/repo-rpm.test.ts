// The signed .rpm repository, built in a container and installed from by Debian's dnf with
// gpgcheck=1 and repo_gpgcheck=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { withWorker } from '../helpers/temporal.ts';
import { withRegistries } from '../helpers/registries.ts';
import { generateTestKey } from '../helpers/gpg.ts';
import { inContainer } from '../helpers/clients.ts';
import { startRepoServer } from '../../providers/reposerver/server.ts';
import { freePort } from '../../providers/net/ports.ts';
import { startRelease } from '../../client/release.ts';
import { helloVeilidCopy } from '../helpers/example-files.ts';

function dnfScript(repoUrl: string, gpgkeyOverride?: string): string {
  return [
    'set -e',
    'mkdir -p /etc/yum.repos.d',
    `python3 -c "import urllib.request;open('/etc/yum.repos.d/t.repo','wb').write(urllib.request.urlopen('${repoUrl}').read())"`,
    ...(gpgkeyOverride ? [`sed -i 's#^gpgkey=.*#gpgkey=${gpgkeyOverride}#' /etc/yum.repos.d/t.repo`] : []),
    'dnf -y --installroot=/tmp/root --releasever=12 --setopt=reposdir=/etc/yum.repos.d --setopt=cachedir=/tmp/c install hello-veilid-cli 2>&1',
    '/tmp/root/usr/bin/hello-veilid-cli --version',
    'rpm --root /tmp/root -qi hello-veilid-cli | grep Signature',
  ].join('\n');
}

test('dnf installs the released rpm from the signed repository, and refuses another key', async () => {
  const key = generateTestKey();
  process.env.HELLO_VEILID_SIGNING_KEY = key.keyFile;
  const port = await freePort();
  const dir = helloVeilidCopy(port);
  await withRegistries(async () => withWorker(async ({ client, taskQueue, stateDir }) => {
    const server = await startRepoServer({ root: join(stateDir, 'repo-server'), port });
    try {
      const result = await (await startRelease(client, { project: 'hello-veilid', tag: 'v2.0.0', projectDir: dir, taskQueue, targets: ['amd64-rpm', 'arm64-rpm', 'amd64-deb'] })).handle.result();
      assert.equal(result.repositories?.rpmSuite, 'stable');
      const repoUrl = `${server.url}/hello-veilid/rpm/stable/hello-veilid.repo`;
      const repo = await (await fetch(repoUrl)).text();
      assert.match(repo, /^gpgcheck=1$/m);
      assert.match(repo, /^repo_gpgcheck=1$/m);

      const ok = await inContainer(dnfScript(repoUrl));
      assert.equal(ok.code, 0, ok.output);
      assert.match(ok.output, /Complete!/);
      assert.match(ok.output, /hello-veilid-cli 2\.0\.0\n/);
      assert.match(ok.output, new RegExp(`Key ID ${key.fingerprint.slice(-16).toLowerCase()}`), 'the installed rpm carries our signature');

      // The repository's metadata and packages checked against another key: dnf refuses.
      const other = mkdtempSync(join(tmpdir(), 'tagship-otherkey-'));
      const home = mkdtempSync(join(tmpdir(), 'tagship-gnupg-'));
      execFileSync('gpg', ['--homedir', home, '--batch', '--import', generateTestKey('other <o@example.invalid>').keyFile], { stdio: 'ignore' });
      writeFileSync(join(other, 'other.asc'), execFileSync('gpg', ['--homedir', home, '--batch', '--armor', '--export']));
      const refused = await inContainer(dnfScript(repoUrl, 'file:///keys/other.asc'), { mounts: { [other]: '/keys' } });
      assert.notEqual(refused.code, 0, 'dnf must refuse a repository signed with another key');
      assert.match(refused.output, /GPG|signature|key/i);
      assert.doesNotMatch(refused.output, /Complete!/);
    } finally {
      await server.close();
      delete process.env.HELLO_VEILID_SIGNING_KEY;
    }
  }));
});
