// On an operator's own Temporal server, tagship's search attributes may not be registered: a
// start then says which are missing and how to register them, and `tagship search-attributes
// apply` registers them (once; a second apply adds nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startDevServer } from '../../scripts/lib/temporal-server.ts';
import { freePort } from '../../providers/net/ports.ts';
import { connectClient } from '../../providers/temporal/connect.ts';
import { startRelease } from '../../client/release.ts';
import { SearchAttributesMissingError } from '../../client/search-attributes.ts';
import { runCli } from '../../client/cli.ts';
import { makeProject } from '../helpers/projects.ts';

test('a server without the search attributes: the start names them and the fix; apply registers them', async () => {
  const server = await startDevServer({ port: await freePort(), logFile: join(mkdtempSync(join(tmpdir(), 'tagship-sa-')), 'temporal.log'), searchAttributes: false });
  const { client, close } = await connectClient({ temporalAddress: server.address, namespace: 'default' });
  const saved = process.env.TEMPORAL_ADDRESS;
  process.env.TEMPORAL_ADDRESS = server.address;
  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const code = await runCli(args, (l) => out.push(l), (l) => out.push(l));
    return { code, out: out.join('\n') };
  };
  try {
    const dir = makeProject('project: sa-demo\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["true"], artifacts: [x] }\n');
    const opts = { project: 'sa-demo', tag: 'v1.0.0', projectDir: dir, taskQueue: 'nobody-polls' };
    const refused = await startRelease(client, opts).then(() => null, (e: unknown) => e);
    assert.ok(refused instanceof SearchAttributesMissingError, String(refused));
    assert.match(refused.message, /lacks tagship's search attributes TagshipProject \(keyword\), TagshipVersion \(keyword\), .*TagshipMachineSeconds \(double\).*; register them once with `tagship search-attributes apply`/);

    const applied = await cli('search-attributes', 'apply');
    assert.equal(applied.code, 0, applied.out);
    assert.match(applied.out, /^registered TagshipProject, TagshipVersion, TagshipChannel, TagshipStage, TagshipMachineSeconds, TagshipCommit in namespace default$/);
    assert.match((await cli('search-attributes', 'apply')).out, /has every tagship search attribute/);

    const { handle } = await startRelease(client, opts);
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    await handle.terminate('test done');
  } finally {
    if (saved === undefined) delete process.env.TEMPORAL_ADDRESS;
    else process.env.TEMPORAL_ADDRESS = saved;
    await close();
    await server.stop();
  }
});
