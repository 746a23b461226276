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
  /** A build environment's root filesystem on the machine (core/build-env.ts ENV_ROOT): the
   *  command runs inside it, chrooted, with the machine's /work bound at /work. */
  root?: string;
  /** tagship's egress proxy (IPv4 address and port): with it, the only thing a `network: true`
   *  build can reach. */
  proxy?: { address: string; port: number };
}

/** The device slirp4netns makes inside the build's namespace. */
const TAP = 'tap0';
/** What a build with network may never reach: link-local (cloud metadata), private ranges and
 *  carrier-grade NAT. */
export const PROHIBITED = ['169.254.0.0/16', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];
/** slirp4netns' gateway inside the namespace (what it NATs out through). */
const SLIRP_GATEWAY = '10.0.2.2';
/** slirp4netns' resolver address inside the namespace. */
const SLIRP_DNS = '10.0.2.3';

// Runs as root inside the new namespaces, then becomes the build. $1: "net" or "sealed";
// $2: the build command; $3/$4: the build user; $5: a build environment's root or ""; then the
// build's environment as NAME=value words. The script itself runs with a fixed PATH only:
// nothing of the build's environment (which an environment image's ENV fills) reaches a
// process that is still root.
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
  // With tagship's egress proxy, the proxy is the only way out: no default route, one route to
  // the proxy's address, and on it only the proxy's port (the address is the host's, where other
  // services may listen). No nft in the machine image: no network (fail closed).
  '  if [ -n "$TAGSHIP_PROXY_IP" ]; then',
  '    command -v nft >/dev/null || { echo "tagship: this machine image has no nft to hold the build to the egress proxy; rebuild it (npm run bootstrap)" >&2; exit 125; }',
  '    ip route del default',
  `    ip route add "$TAGSHIP_PROXY_IP/32" via ${SLIRP_GATEWAY} dev ${TAP}`,
  '    printf \'table ip tagship {\\n chain out {\\n  type filter hook output priority 0; policy accept;\\n  ip daddr %s tcp dport != %s reject\\n  ip daddr %s meta l4proto != tcp reject\\n }\\n}\\n\' "$TAGSHIP_PROXY_IP" "$TAGSHIP_PROXY_PORT" "$TAGSHIP_PROXY_IP" | nft -f -',
  '  fi',
  // The machine's resolver may be on its loopback (Docker's 127.0.0.11): ask slirp's instead.
  `  printf 'nameserver ${SLIRP_DNS}\\n' > /run/tagship-resolv.conf && mount --bind /run/tagship-resolv.conf /etc/resolv.conf`,
  'fi',
  'net=$1 cmd=$2 uid=$3 gid=$4 root=$5; shift 5',
  'if [ -z "$root" ]; then',
  // The build user owns nothing of the agent's: /run/tagship (the control sockets) stays
  // root's, and /proc now shows the build's own processes only.
  '  exec setpriv --reuid="$uid" --regid="$gid" --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs -- env -i "$@" sh -c "$cmd"',
  'fi',
  // A build environment: the image's files, read without setuid bits or devices; fresh /proc,
  // /dev, /tmp and the workspace in it. Each mount point is made anew when an earlier command
  // (which may write in a world-writable root) left a symlink or a file there — checked while
  // no build process is alive. The root never sees /run/tagship or the agent.
  'chown 0:0 "$root" && chmod 755 "$root"',
  'mount --bind "$root" "$root" && mount -o remount,bind,nosuid,nodev "$root"',
  'for d in proc dev tmp work; do if [ -L "$root/$d" ] || [ ! -d "$root/$d" ]; then rm -rf "$root/$d"; mkdir -m 755 "$root/$d"; fi; done',
  'mount -t proc -o nosuid,nodev,noexec proc "$root/proc"',
  'mount --rbind /dev "$root/dev"',
  'mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$root/tmp"',
  'mount --bind /work "$root/work"',
  'if [ "$net" = net ] && [ -d "$root/etc" ] && [ ! -L "$root/etc" ]; then rm -f "$root/etc/resolv.conf"; : > "$root/etc/resolv.conf"; mount --bind /run/tagship-resolv.conf "$root/etc/resolv.conf"; fi',
  // chroot (the machine's own) changes root and becomes the build user; after that nothing runs
  // as root, setuid and file capabilities are void (no_new_privs, nosuid), and the bounding set
  // keeps only what chroot itself needed.
  'exec setpriv --no-new-privs --inh-caps=-all --bounding-set=-all,+sys_chroot,+setuid,+setgid -- chroot --userspec="$uid:$gid" --groups="$gid" "$root" env -i "$@" sh -c \'cd "$0" && exec sh -c "$1"\' "$PWD" "$cmd"',
].join('\n');

/** What the sandbox's own root steps run with: a fixed PATH, nothing of the build's. */
const ROOT_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

/** The command line that runs `command` sandboxed with exactly `env` (pure; the caller spawns
 *  it with ROOT_ENV). */
export function sandboxCommand(command: string, spec: SandboxSpec, env: Record<string, string>): { file: string; args: string[] } {
  const words = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return {
    file: 'unshare',
    args: ['--net', '--pid', '--fork', '--kill-child', '--mount', '--mount-proc', '--propagation', 'private', '--', 'sh', '-c', INNER, 'tagship-sandbox', spec.network ? 'net' : 'sealed', command, String(spec.user.uid), String(spec.user.gid), spec.root ?? '', ...words],
  };
}

/** Spawns `command` sandboxed, in its own process group (so a cancellation kills all of it). */
export function spawnSandboxed(command: string, spec: SandboxSpec, opts: { cwd: string; env: Record<string, string> }): { child: ChildProcess; ready: Promise<void> } {
  const { file, args } = sandboxCommand(command, spec, opts.env);
  const proxy = spec.network ? spec.proxy : undefined;
  if (proxy && (!/^\d{1,3}(\.\d{1,3}){3}$/.test(proxy.address) || !Number.isInteger(proxy.port))) throw new Error(`the egress proxy must be an IPv4 address and a port, not ${JSON.stringify(proxy)}`);
  const child = spawn(file, args, { cwd: opts.cwd, env: { ...ROOT_ENV, ...(proxy ? { TAGSHIP_PROXY_IP: proxy.address, TAGSHIP_PROXY_PORT: String(proxy.port) } : {}) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
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
