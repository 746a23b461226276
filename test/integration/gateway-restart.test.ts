// Build agents ride out an orchestrator restart: the gateway they fetch from is down for a
// moment, and the fetch waits for it instead of failing the (single-attempt) build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fetchSharedFile, fetchWhileGatewayRestarts } from '../../activities/agent-fetch.ts';
import { readFileSync } from 'node:fs';
import { startGateway } from '../../providers/gateway/server.ts';
import { mintMachineToken } from '../../providers/gateway/tokens.ts';
import { FsArtifactStore } from '../../providers/artifacts-fs/store.ts';
import { freePort } from '../../providers/net/ports.ts';
import { listen } from '../../providers/http/listen.ts';
import { createServer } from 'node:http';
import { localSources } from '../../providers/sources/tars.ts';

test('a source fetch started while the gateway is down succeeds once it is back; a 404 is final', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tagship-gw-'));
  mkdirSync(join(dir, 'sources'));
  const content = Buffer.from('source tarball bytes');
  const sha = createHash('sha256').update(content).digest('hex');
  writeFileSync(join(dir, 'sources', `${sha}.tar`), content);
  const port = await freePort();
  const token = 'gateway-test-secret';
  const auth = { authorization: `Bearer ${mintMachineToken(token, { project: 'p', version: '1.0.0', target: 't', machine: 'm', expiresAt: Date.now() + 60_000 })}` };

  const fetching = fetchWhileGatewayRestarts(`http://127.0.0.1:${port}/sources/${sha}.tar`, { headers: auth }, new AbortController().signal, 30_000);
  await new Promise((r) => setTimeout(r, 1500));
  const gateway = await startGateway({ store: new FsArtifactStore(join(dir, 'artifacts')), sources: localSources(join(dir, 'sources')), token, port });
  try {
    const res = await fetching;
    assert.equal(res.status, 200);
    assert.equal(Buffer.from(await res.arrayBuffer()).toString(), 'source tarball bytes');
    // A 4xx is final: one request, no retries (counted at a server that always says 404).
    let requests = 0;
    const counting = createServer((_req, res) => {
      requests++;
      res.writeHead(404).end();
    });
    const l = await listen(counting);
    const missing = await fetchWhileGatewayRestarts(`${l.url}/sources/x.tar`, {}, new AbortController().signal);
    await l.close();
    assert.equal(missing.status, 404);
    assert.equal(requests, 1, 'a 4xx is not retried');
  } finally {
    await gateway.close();
  }
});

test('a shared file whose transfer stops mid-way is fetched again, not waited for; a 404 is final; the wrong bytes are refused', async () => {
  const content = Buffer.alloc(256 * 1024, 7);
  const sha = createHash('sha256').update(content).digest('hex');
  const forged = 'f'.repeat(64);
  let requests = 0;
  // The first answer sends its headers and half the body, then nothing (a connection cut where
  // nobody notices); the second sends everything.
  const server = createServer((req, res) => {
    requests++;
    if (req.url === `/sources/${forged}.tar`) return void res.end(content);
    if (!req.url?.startsWith(`/sources/${sha}.tar`)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': content.length });
    if (requests === 1) return void res.write(content.subarray(0, content.length / 2));
    res.end(content);
  });
  const l = await listen(server);
  const dir = mkdtempSync(join(tmpdir(), 'tagship-shared-'));
  const io = { gatewayUrl: l.url, headers: {}, direct: false };
  try {
    await fetchSharedFile(io, sha, join(dir, 'a.tar'), 'the source', new AbortController().signal, 1_000);
    assert.equal(requests, 2, 'the stalled transfer was abandoned and asked again');
    assert.ok(readFileSync(join(dir, 'a.tar')).equals(content));

    requests = 0;
    const other = createHash('sha256').update('other').digest('hex');
    await assert.rejects(fetchSharedFile(io, other, join(dir, 'b.tar'), 'the source', new AbortController().signal, 1_000), /fetching the source failed: HTTP 404/);
    assert.equal(requests, 1, 'a 4xx is not retried');
    await assert.rejects(fetchSharedFile(io, forged, join(dir, 'd.tar'), 'the source', new AbortController().signal, 1_000), /the source arrived with the wrong sha256/);
    await assert.rejects(fetchSharedFile(io, 'x'.repeat(64), join(dir, 'c.tar'), 'the source', new AbortController().signal), /not a sha256/);
  } finally {
    server.closeAllConnections();
    await l.close();
  }
});
