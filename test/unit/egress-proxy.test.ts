// The egress proxy's refusals (providers/net/egress-proxy.ts), on loopback with a resolver the
// test controls: a name off the allowlist, a port other than 80/443, and — whatever the
// allowlist says — a name that resolves to loopback, a private or link-local address or this
// host's own. Each refusal is logged with the machine that asked. (What it lets through is
// shown against a real registry in test/integration/egress.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { hostAllowed, startEgressProxy, type EgressDecision } from '../../providers/net/egress-proxy.ts';

test('allowlist patterns: exact names, *.suffix (not the bare suffix), *', () => {
  assert.equal(hostAllowed('pkgs.example.org', ['pkgs.example.org']), true);
  assert.equal(hostAllowed('PKGS.example.org.', ['pkgs.example.org']), true);
  assert.equal(hostAllowed('evil-pkgs.example.org', ['pkgs.example.org']), false);
  assert.equal(hostAllowed('a.b.example.org', ['*.example.org']), true);
  assert.equal(hostAllowed('example.org', ['*.example.org']), false);
  assert.equal(hostAllowed('example.org.evil.net', ['*.example.org']), false);
  assert.equal(hostAllowed('anything.net', ['*']), true);
  assert.equal(hostAllowed('anything.net', []), false);
});

/** Sends a CONNECT through the proxy and returns its status line. */
function connectThrough(port: number, target: string, who = 'tagship-m1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\nProxy-Authorization: Basic ${Buffer.from(`${who}:x`).toString('base64')}\r\n\r\n`);
    });
    let got = '';
    s.on('data', (b) => {
      got += b.toString('utf8');
      if (got.includes('\r\n\r\n')) {
        resolve(got);
        s.destroy();
      }
    });
    s.on('error', reject);
    s.on('close', () => resolve(got));
  });
}

test('refused: off the allowlist, a port other than 80/443, and any name that resolves inward — each logged with the machine', async () => {
  const own = Object.values(networkInterfaces()).flatMap((a) => a ?? []).find((a) => a.family === 'IPv4' && !a.internal)?.address ?? '127.0.0.1';
  const names: Record<string, string[]> = {
    'pkgs.test': ['203.0.113.9'],
    'loop.pkgs.test': ['127.0.0.1'],
    'meta.pkgs.test': ['169.254.169.254'],
    'private.pkgs.test': ['203.0.113.10', '10.1.2.3'],
    'self.pkgs.test': [own],
    'mapped.pkgs.test': ['::ffff:127.0.0.1'],
  };
  const log: EgressDecision[] = [];
  const proxy = await startEgressProxy({ host: '127.0.0.1', allow: ['*.pkgs.test'], log: (d) => log.push(d), resolve: (h) => Promise.resolve(names[h] ?? []) });
  try {
    const cases: [string, RegExp][] = [
      ['other.test:443', /403 Forbidden[\s\S]*other\.test is not on the egress allowlist/],
      ['a.pkgs.test:22', /403[\s\S]*port 22 is not 80 or 443/],
      ['loop.pkgs.test:443', /403[\s\S]*resolves to 127\.0\.0\.1, which is not a public address/],
      ['meta.pkgs.test:80', /403[\s\S]*169\.254\.169\.254/],
      ['private.pkgs.test:443', /403[\s\S]*10\.1\.2\.3/],
      ['self.pkgs.test:443', new RegExp(`403[\\s\\S]*${own.replace(/\./g, '\\.')}`)],
      ['mapped.pkgs.test:443', /403[\s\S]*::ffff:127\.0\.0\.1/],
      ['127.0.0.1:443', /403[\s\S]*127\.0\.0\.1 is not on the egress allowlist/],
    ];
    for (const [target, refusal] of cases) assert.match(await connectThrough(proxy.port, target), refusal, target);
    assert.equal(log.length, cases.length);
    assert.ok(log.every((d) => !d.allowed && d.who === 'tagship-m1'), JSON.stringify(log));
    // Plain http is judged the same way.
    const res = await fetch(`http://127.0.0.1:${proxy.port}/`, { method: 'GET', headers: {} }).then((r) => r.status);
    assert.equal(res, 400, 'a request that is not a proxy request is refused');
  } finally {
    await proxy.close();
  }
  // Even '*' never reaches inward.
  const open = await startEgressProxy({ host: '127.0.0.1', allow: ['*'], resolve: (h) => Promise.resolve(names[h] ?? []) });
  try {
    assert.match(await connectThrough(open.port, 'loop.pkgs.test:443'), /403[\s\S]*not a public address/);
    assert.match(await connectThrough(open.port, '127.0.0.1:443'), /403[\s\S]*not a public address/);
  } finally {
    await open.close();
  }
});
