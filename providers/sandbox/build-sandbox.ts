// Where a build command runs on a machine whose agent is root: namespaces of its own, made
// for each command and gone with it.
// - network: a namespace with its own loopback only — the machine's loopback (where the agent's
//   ways to Temporal and the gateway are, on a docker machine) and the host's (an emulated
//   droplet shares it) are not reachable at all, whoever binds what address. With
//   `network: true`, slirp4netns gives it user-mode NAT out, with the machine's loopback
//   refused (`--disable-host-loopback`) and no route to the metadata address or private
//   networks.
// - pid and mount: the build is pid 1 of its own namespace, so every process it started dies
//   with its command (nothing outlives a step to rewrite an output after it is hashed), and it
//   sees only its own processes in a /proc of its own.
// - the command itself runs as the unprivileged build user, with no capabilities (an empty
//   bounding set) and no_new_privs: no setuid program gives it root back.
// Nothing here matches who connected: there is no route. A machine that cannot make the
// namespaces fails the build (fail closed), naming why.
import { spawn, type ChildProcess } from 'node:child_process';
import { readlink } from 'node:fs/promises';

export interface SandboxUser {
  uid: number;
  gid: number;
}

export interface SandboxSpec {
  user: SandboxUser;
  /** Outbound network through user-mode NAT; never to the machine's loopback. */
  network: boolean;
}

/** The device slirp4netns makes inside the build's namespace. */
const TAP = 'tap0';
/** What a build with network may never reach: link-local (cloud metadata), private ranges and
 *  carrier-grade NAT. */
export const PROHIBITED = ['169.254.0.0/16', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];
/** slirp4netns' resolver address inside the namespace. */
const SLIRP_DNS = '10.0.2.3';

// Runs as root inside the new namespaces, then becomes the build. $1: "net" or "sealed";
// $2: the build command. The build's environment is the spawn's, untouched.
const INNER = [
  'set -e',
  'ip link set lo up',
  'if [ "$1" = net ]; then',
  `  i=0; until ip -o link show ${TAP} 2>/dev/null | grep -q UP; do i=$((i+1)); [ $i -lt 200 ] || { echo "tagship: the build network did not come up" >&2; exit 125; }; sleep 0.05; done`,
  // No route to the link-local metadata service (a droplet's user data is served there) nor
  // to private networks (a control plane on the cloud's private network): the kernel refuses
  // them inside the namespace, and the build has no capability to change its routes. slirp's
  // own 10.0.2.0/24 stays reachable (its route is more specific).
  `  for r in ${PROHIBITED.join(' ')}; do ip route add prohibit $r; done`,
  // The machine's resolver may be on its loopback (Docker's 127.0.0.11): ask slirp's instead.
  `  printf 'nameserver ${SLIRP_DNS}\\n' > /run/tagship-resolv.conf && mount --bind /run/tagship-resolv.conf /etc/resolv.conf`,
  'fi',
  // The build user owns nothing of the agent's: /run/tagship (the control sockets) stays
  // root's, and /proc now shows the build's own processes only.
  'exec setpriv --reuid="$3" --regid="$4" --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs -- sh -c "$2"',
].join('\n');

/** The command line that runs `command` sandboxed (pure; the caller spawns it). */
export function sandboxCommand(command: string, spec: SandboxSpec): { file: string; args: string[] } {
  return {
    file: 'unshare',
    args: ['--net', '--pid', '--fork', '--kill-child', '--mount', '--mount-proc', '--propagation', 'private', '--', 'sh', '-c', INNER, 'tagship-sandbox', spec.network ? 'net' : 'sealed', command, String(spec.user.uid), String(spec.user.gid)],
  };
}

/** Spawns `command` sandboxed, in its own process group (so a cancellation kills all of it). */
export function spawnSandboxed(command: string, spec: SandboxSpec, opts: { cwd: string; env: Record<string, string> }): { child: ChildProcess; ready: Promise<void> } {
  const { file, args } = sandboxCommand(command, spec);
  const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const ready = spec.network ? attachNetwork(child) : Promise.resolve();
  return { child, ready };
}

/** Starts slirp4netns on the child's network namespace once the child is in it (never before:
 *  it would then configure the machine's own namespace), and stops it when the child exits. */
async function attachNetwork(child: ChildProcess): Promise<void> {
  const own = await readlink('/proc/self/ns/net');
  const pid = child.pid;
  if (!pid) throw new Error('the build did not start');
  for (let i = 0; ; i++) {
    const theirs = await readlink(`/proc/${pid}/ns/net`).catch(() => null);
    if (theirs === null || child.exitCode !== null) return; // exited already: nothing to attach
    if (theirs !== own) break;
    if (i > 400) throw new Error('the build\'s network namespace was not made within 20 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  const slirp = spawn('slirp4netns', ['--configure', '--mtu=65520', '--disable-host-loopback', String(pid), TAP], { stdio: ['ignore', 'ignore', 'pipe'] });
  let said = '';
  slirp.stderr.on('data', (b: Buffer) => (said = (said + b.toString('utf8')).slice(-2000)));
  const stop = () => slirp.kill('SIGKILL');
  child.once('close', stop);
  slirp.once('exit', (code) => {
    child.off('close', stop);
    if (code && child.exitCode === null) console.warn(`slirp4netns for the build exited with ${code}: ${said.trim()}`);
  });
  await new Promise<void>((resolve, reject) => {
    slirp.once('spawn', () => resolve());
    slirp.once('error', reject);
  });
}
