// Real package clients, run in clean containers from the machine image on the host network
// (the repo server listens on loopback).
import { execFile } from 'node:child_process';

export interface ClientRun {
  code: number;
  output: string;
}

/** Runs a shell script in a fresh, removed-afterwards container; never throws on exit code.
 *  Asynchronous on purpose: the servers it talks to often live in the calling process. */
export function inContainer(script: string, opts: { image?: string; mounts?: Record<string, string> } = {}): Promise<ClientRun> {
  const args = ['run', '--rm', '--network', 'host', ...Object.entries(opts.mounts ?? {}).flatMap(([host, inside]) => ['-v', `${host}:${inside}:ro`]), opts.image ?? 'tagship/machine:bookworm-amd64', 'sh', '-c', script];
  return new Promise((resolve) => {
    execFile('docker', args, { encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** apt-get against one repository only: the image's own Debian sources are removed. */
export function aptScript(repoLine: string, then: string): string {
  return [
    'set -e',
    'rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*',
    'cp /keys/keyring.gpg /usr/share/keyrings/tagship-test.gpg',
    `echo '${repoLine}' > /etc/apt/sources.list.d/tagship.list`,
    'apt-get update 2>&1',
    then,
  ].join('\n');
}

/** dnf against one repository (its .repo file from `repoUrl`), installing `spec` into a
 *  separate root, then the installed tool's version. */
export function dnfScript(repoUrl: string, spec: string): string {
  return [
    'set -e',
    'mkdir -p /etc/yum.repos.d',
    `python3 -c "import urllib.request;open('/etc/yum.repos.d/t.repo','wb').write(urllib.request.urlopen('${repoUrl}').read())"`,
    `dnf -y --installroot=/tmp/root --releasever=12 --setopt=reposdir=/etc/yum.repos.d --setopt=cachedir=/tmp/c install ${spec} >/dev/null 2>&1`,
    '/tmp/root/usr/bin/hello-veilid-cli --version',
  ].join('\n');
}
