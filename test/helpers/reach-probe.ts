// A build that tries every way it has to the control plane, run as a release's build command
// (`node probe.js`). It waits for `ports.json`, which the test writes into the build's folder
// as root from outside the build (the ports the agent's relays listen on, the agent's own client
// ports to them, and the host's Temporal and gateway ports), then:
// - bypass: connects to each of those ports from 127.0.0.1, 127.0.0.2 and 127.3.4.5 bound to
//   each of the agent's client ports — the attack that got past the relays' same-user check;
// - scan: every port 1-65535 on its loopback (its own server must be found, and nothing else);
// - direct: the host's ports and the default gateway's; routes: whether the metadata address
//   and private networks have a route (asked of the kernel; no packet is sent off the machine);
// - files: the agent's token and control sockets, the Docker socket, other processes' environments.
// Each connection sends an HTTP/2 preface, which the gateway (HTTP) and Temporal (gRPC) answer.
export const REACH_PROBE = String.raw`
const net = require('node:net');
const fs = require('node:fs');
const knock = (opts) => new Promise((resolve) => {
  const s = net.connect(opts);
  let got = 0;
  const done = (verdict) => { s.destroy(); resolve(verdict); };
  s.setTimeout(1500, () => done(got ? 'answered' : 'silent'));
  // A connection from port P to port P on one address is the socket meeting itself (TCP's
  // simultaneous open), not a listener: the kernel may pick the very port being scanned.
  s.on('connect', () => (s.localPort === s.remotePort && s.localAddress === s.remoteAddress ? done('self') : s.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00')));
  s.on('data', (b) => { got += b.length; done('answered'); });
  s.on('error', (e) => done(got ? 'answered' : e.code));
  s.on('close', () => done(got ? 'answered' : 'closed'));
});
const read = (p) => { try { return fs.readFileSync(p, 'utf8').slice(0, 200); } catch (e) { return e.code; } };
const gatewayOf = () => {
  const row = fs.readFileSync('/proc/net/route', 'utf8').split('\n').map((l) => l.split(/\s+/)).find((f) => f[1] === '00000000');
  return row ? Buffer.from(row[2], 'hex').reverse().join('.') : null;
};
(async () => {
  for (let i = 0; !fs.existsSync('ports.json'); i++) { if (i > 600) throw new Error('no ports.json'); await new Promise((r) => setTimeout(r, 100)); }
  const ports = JSON.parse(fs.readFileSync('ports.json', 'utf8'));
  const own = net.createServer((c) => c.end('hello')).listen(0, '127.0.0.1');
  await new Promise((r) => own.on('listening', r));
  const report = { uid: process.getuid(), own: await knock({ host: '127.0.0.1', port: own.address().port }), bypass: {}, scan: [], direct: {}, routes: {}, files: {} };
  const targets = [...ports.relays, ...Object.values(ports.host)];
  for (const port of targets) for (const localPort of ports.clients.slice(0, 6)) for (const localAddress of ['127.0.0.1', '127.0.0.2', '127.3.4.5']) {
    for (let attempt = 0; attempt < 2; attempt++) report.bypass[port + ' from ' + localAddress + ':' + localPort + ' #' + attempt] = await knock({ host: '127.0.0.1', port, localAddress, localPort });
  }
  for (let base = 1; base <= 65535; base += 512) {
    const batch = [];
    for (let p = base; p < base + 512 && p <= 65535; p++) batch.push(knock({ host: '127.0.0.1', port: p }).then((v) => v === 'answered' && report.scan.push(p)));
    await Promise.all(batch);
  }
  report.scan = report.scan.map((p) => (p === own.address().port ? 'own' : p));
  for (const [name, port] of Object.entries(ports.host)) report.direct[name] = await knock({ host: '127.0.0.1', port });
  const gw = gatewayOf();
  if (gw) for (const [name, port] of Object.entries(ports.host)) report.direct[name + '@gateway'] = await knock({ host: gw, port });
  // Through tagship's egress proxy: its own port answers; no other port of its address (the
  // host's) does — the host's Temporal and gateway ports among them.
  const proxy = process.env.https_proxy ? new URL(process.env.https_proxy) : null;
  if (proxy) {
    report.proxy = { own: await knock({ host: proxy.hostname, port: Number(proxy.port) }) };
    for (const [name, port] of Object.entries(ports.host)) report.proxy[name] = await knock({ host: proxy.hostname, port });
  }
  // Off-machine addresses are asked of the routing table, never sent a packet.
  for (const ip of ['169.254.169.254', '10.1.2.3', '172.16.0.1', '192.168.1.1', '100.64.0.1']) {
    try { report.routes[ip] = require('node:child_process').execFileSync('ip', ['route', 'get', ip], { stdio: 'pipe' }).toString().trim(); } catch (e) { report.routes[ip] = 'refused: ' + String(e.stderr).trim(); }
  }
  report.files = {
    token: read('/var/lib/tagship/agent-token'),
    control: (() => { try { return fs.readdirSync('/run/tagship').join(','); } catch (e) { return e.code; } })(),
    docker: fs.existsSync('/var/run/docker.sock') ? 'present' : 'absent',
    environ: fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((p) => read('/proc/' + p + '/environ')).filter((e) => /TAGSHIP_(AGENT_TOKEN|ENROLMENT)|TEMPORAL_ADDRESS/.test(e)).length,
    processes: fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).length,
  };
  fs.mkdirSync('out', { recursive: true });
  fs.writeFileSync('out/reach-' + process.env.TAGSHIP_TARGET + '.json', JSON.stringify(report, null, 1));
  own.close();
})();
`;

export interface ReachReport {
  uid: number;
  own: string;
  bypass: Record<string, string>;
  scan: (number | 'own')[];
  direct: Record<string, string>;
  routes: Record<string, string>;
  files: { token: string; control: string; docker: string; environ: number; processes: number };
  /** With an egress proxy: what its address answers on its own port and on the host's. */
  proxy?: Record<string, string>;
}

/** From /proc/net/tcp (and tcp6) text: ports listening on loopback, and the local ports of
 *  established connections to `toPorts`. */
export function loopbackPorts(tables: string, toPorts: number[] = []): { listening: number[]; clients: number[] } {
  const listening = new Set<number>();
  const clients = new Set<number>();
  for (const line of tables.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !/^\d+:$/.test(f[0]!)) continue;
    const [local, remote, state] = [f[1]!, f[2]!, f[3]!];
    const port = (a: string) => Number.parseInt(a.slice(a.lastIndexOf(':') + 1), 16);
    if (state === '0A' && local.startsWith('0100007F')) listening.add(port(local));
    if (state === '01' && (toPorts.length === 0 || toPorts.includes(port(remote)))) clients.add(port(local));
  }
  return { listening: [...listening], clients: [...clients] };
}
