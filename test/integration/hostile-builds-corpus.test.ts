// The hostile-build corpus (issue 21): builds that try to ship what is not theirs, hide names,
// fill the store, outlive their step or reach past their machine, each released for real on
// docker machines and on emulated droplets. Every case states the release's outcome and what
// was stored, and every machine is deleted afterwards.
import { test, type TestContext as NodeTestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { releaseFailure, uniqueSuffix, withWorker, type TestContext } from '../helpers/temporal.ts';
import { containersOf, makeProject } from '../helpers/projects.ts';
import { dropletsLeft, emulatorProvider, startEmulator } from '../helpers/digitalocean.ts';
import { startRelease } from '../../client/release.ts';
import type { DoEmulator } from '../../embedded/do-emulator.ts';

interface Case {
  name: string;
  /** The targets' lines of tagship.yml (a size is added on droplets). */
  targets: { name?: string; build: string[]; artifacts: string[]; extra?: string }[];
  /** tagship.yml lines after the targets (limits). */
  tail?: string;
  /** Files of the project besides tagship.yml. */
  files?: Record<string, string>;
  /** The refusal comes after the targets stored their artifacts (a release-wide limit). */
  storedAnyway?: boolean;
  /** The release fails with this type and message … */
  refused?: { type: string | RegExp; message: RegExp };
  /** … or completes, and the stored artifacts (target t) are checked here. */
  stored?: (files: Record<string, Buffer>) => void;
  /** Either outcome is right, as long as this holds of what was stored. */
  either?: (outcome: { failure?: { type?: string; message: string }; files: Record<string, Buffer> }) => void;
  dockerOnly?: boolean;
}

const one = (build: string | string[], artifacts: string[] = ['out/*'], extra?: string): Case['targets'] => [{ build: Array.isArray(build) ? build : [build], artifacts, ...(extra ? { extra } : {}) }];
const badArtifact = (message: RegExp) => ({ type: 'BadArtifact', message });

const CASES: Case[] = [
  // --- links -----------------------------------------------------------------------------
  { name: 'symlink to a root-only file', targets: one('mkdir -p out && ln -s /etc/shadow out/shadow.deb'), refused: badArtifact(/target t: artifact out\/shadow\.deb is a symbolic link/) },
  { name: 'symlinked folder (the /etc/shadow escape)', targets: one('ln -s /etc out', ['out/shadow', 'out/gshadow']), refused: badArtifact(/artifact out\/g?shadow is reached through out, a symbolic link/) },
  { name: 'symlinked folder to the root, deep', targets: one('mkdir -p out/a && ln -s / out/a/b', ['out/a/b/etc/passwd']), refused: badArtifact(/artifact out\/a\/b\/etc\/passwd is reached through out\/a\/b, a symbolic link/) },
  { name: 'symlink into /proc (the agent\'s environment)', targets: one('mkdir -p out && ln -s /proc/1/environ out/environ.txt'), refused: badArtifact(/artifact out\/environ\.txt is a symbolic link/) },
  { name: 'symlinked folder to /proc/self', targets: one('ln -s /proc/self out', ['out/environ']), refused: badArtifact(/artifact out\/environ is reached through out, a symbolic link/) },
  { name: 'symlinked folder into /sys', targets: one('ln -s /sys/kernel out', ['out/uevent_seqnum']), refused: badArtifact(/artifact out\/uevent_seqnum is reached through out, a symbolic link/) },
  { name: 'dangling symlink', targets: one('mkdir -p out && ln -s /nonexistent/file out/ghost.deb'), refused: badArtifact(/artifact out\/ghost\.deb is a symbolic link/) },
  {
    name: 'hard link to a root-owned file',
    targets: one('mkdir -p out && echo ok > out/ok.txt && (ln /etc/passwd out/passwd.txt 2>/dev/null || true)'),
    // The kernel refuses the link (protected_hardlinks), or tagship refuses the file as not the build's.
    either: ({ failure, files }) => {
      if (failure) assert.match(failure.message, /artifact out\/passwd\.txt belongs to uid 0, not to the build \(uid 10000\)/);
      else assert.deepEqual(Object.keys(files), ['ok.txt']);
      assert.ok(!('passwd.txt' in files));
    },
  },
  { name: 'named pipe', targets: one('mkdir -p out && mkfifo out/pipe.deb'), refused: badArtifact(/artifact out\/pipe\.deb is a named pipe/) },
  // --- names -----------------------------------------------------------------------------
  { name: 'a newline in a name (one file passed off as two)', targets: one('mkdir -p out && touch "$(printf \'out/evil\\nx.deb\')"'), refused: badArtifact(/artifact "out\/evil\\nx\.deb" has a control character/) },
  { name: 'a terminal escape in a name', targets: one('mkdir -p out && touch "$(printf \'out/\\033[31mred.deb\')"'), refused: badArtifact(/has a control character/) },
  { name: 'a name that is not UTF-8', targets: one('mkdir -p out && touch "$(printf \'out/\\377.deb\')"'), refused: badArtifact(/is not valid UTF-8/) },
  { name: 'a name the store does not take', targets: one('mkdir -p out && touch "out/-rf .deb"'), refused: badArtifact(/artifact out\/-rf \.deb: artifact "-rf \.deb" is not allowed/) },
  { name: '".." in an artifact glob', targets: one('true', ['out/../../etc/shadow']), refused: { type: 'ConfigInvalid', message: /targets\[0\]\.artifacts\[0\]: must not contain "\.\."/ } },
  { name: 'an absolute artifact glob', targets: one('true', ['/etc/shadow']), refused: { type: 'ConfigInvalid', message: /targets\[0\]\.artifacts\[0\]: must be relative to the project root/ } },
  { name: 'a very long name (255 bytes) is a name like any other', targets: one(`mkdir -p out && echo long > out/${'l'.repeat(251)}.txt`), stored: (f) => assert.deepEqual(Object.keys(f), [`${'l'.repeat(251)}.txt`]) },
  // --- sizes -----------------------------------------------------------------------------
  { name: 'a sparse file of 100 GiB (its apparent size counts)', targets: one('mkdir -p out && truncate -s 100G out/huge.bin'), refused: badArtifact(/artifact out\/huge\.bin \(107374182400 bytes\) takes the target's artifacts past the 4294967296 bytes allowed \(limits\.targetMiB/) },
  { name: 'more files than the manifest may hold', targets: one('mkdir -p out && for i in $(seq 1 30); do echo $i > out/f$i.txt; done'), tail: 'limits: { filesPerTarget: 20 }', refused: badArtifact(/the artifact globs matched 30 files, more than the 20 allowed \(limits\.filesPerTarget/) },
  { name: 'a target past its size limit', targets: one('mkdir -p out && head -c 700000 /dev/zero > out/a.bin && head -c 700000 /dev/zero > out/b.bin'), tail: 'limits: { targetMiB: 1 }', refused: badArtifact(/artifact out\/b\.bin \(700000 bytes\) takes the target's artifacts past the 1048576 bytes allowed/) },
  {
    name: 'a release past its size limit, each target within its own',
    targets: [
      { name: 't', build: ['mkdir -p out && head -c 700000 /dev/zero > out/a.bin'], artifacts: ['out/*'] },
      { name: 'u', build: ['mkdir -p out && head -c 700000 /dev/zero > out/b.bin'], artifacts: ['out/*'] },
    ],
    tail: 'limits: { releaseMiB: 1 }',
    // Each target stored what its own limit allowed; the release stops before publishing.
    storedAnyway: true,
    refused: badArtifact(/the release's artifacts weigh 1400000 bytes, more than the 1048576 allowed \(limits\.releaseMiB in tagship\.yml\); by target: [tu] 700000, [tu] 700000; nothing was published/),
  },
  // --- time ------------------------------------------------------------------------------
  {
    name: 'a background process rewriting an output after the step',
    // It starts rewriting once its own step is over, and would go on through the upload.
    targets: one(['mkdir -p out; echo genuine > out/a.txt; (sleep 1; while :; do echo trojan > out/a.txt; done) >/dev/null 2>&1 &', 'sleep 3; echo second step']),
    stored: (f) => assert.equal(f['a.txt']?.toString(), 'genuine\n'),
  },
  {
    name: 'a detached process (setsid) swapping the output folder for a link',
    targets: one(['mkdir -p out; echo genuine > out/a.txt; setsid sh -c \'sleep 1; while :; do mv out real && ln -s /etc out && rm out && mv real out; done\' >/dev/null 2>&1 < /dev/null &', 'sleep 3']),
    stored: (f) => assert.deepEqual(Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v.toString()])), { 'a.txt': 'genuine\n' }),
  },
  { name: 'a build past its timeout', targets: one('sleep 600', ['out/*'], 'timeoutMinutes: 1'), refused: { type: /.*/, message: /StartToClose timeout/ }, dockerOnly: true },
  // --- reach -----------------------------------------------------------------------------
  {
    name: 'reach: environment, files, sockets, processes, routes',
    targets: one([
      'mkdir -p out',
      'env > out/env.txt',
      '{ cat /var/lib/tagship/agent-token; ls /run/tagship; ls -l /var/run/docker.sock; cat /opt/tagship/.tagship/agent-token; } > out/files.txt 2>&1 || true',
      'cat /proc/[0-9]*/environ 2>/dev/null | tr "\\000" "\\n" | grep -c -E "^(TAGSHIP_AGENT_TOKEN|TAGSHIP_ENROLMENT|TEMPORAL_ADDRESS)=" > out/environ.txt || true',
      'ls /proc | grep -c "^[0-9]" > out/processes.txt',
      '{ ip route get 169.254.169.254; ip route get 10.1.2.3; } > out/routes.txt 2>&1 || true',
    ]),
    stored: (f) => {
      const env = f['env.txt']!.toString();
      for (const hidden of ['TAGSHIP_AGENT_TOKEN', 'TAGSHIP_ENROLMENT', 'TAGSHIP_CODEC_KEYS', 'TEMPORAL_ADDRESS', 'TAGSHIP_GATEWAY_URL', 'TAGSHIP_CONTROL_DIR']) assert.ok(!env.includes(hidden), hidden);
      const files = f['files.txt']!.toString();
      assert.doesNotMatch(files, /^[0-9a-f]{32,}$|temporal\.sock|gateway\.sock/m, 'no token and no control socket was read');
      assert.equal(files.match(/Permission denied|No such file or directory/g)?.length, 4, files);
      assert.equal(f['environ.txt']!.toString().trim(), '0');
      assert.ok(Number(f['processes.txt']!.toString()) < 6, `the build sees its own processes only: ${f['processes.txt']!.toString()}`);
      assert.equal(f['routes.txt']!.toString().match(/Network is unreachable/g)?.length, 2, f['routes.txt']!.toString());
    },
  },
];

function configOf(name: string, c: Case, droplets: boolean): string {
  const size = droplets ? ', machine: { size: s-1vcpu-1gb }' : '';
  const targets = c.targets.map((t) => `  - { name: ${t.name ?? 't'}, arch: amd64, os: generic${size}, build: ${JSON.stringify(t.build)}, artifacts: ${JSON.stringify(t.artifacts)}${t.extra ? `, ${t.extra}` : ''} }`);
  return [`project: ${name}`, 'testGate: { command: "true" }', 'targets:', ...targets, c.tail ?? ''].join('\n');
}

/** What the store holds for target t: its files (no manifest: none was stored). */
function storedFiles(stateDir: string, name: string): Record<string, Buffer> {
  const dir = join(stateDir, 'artifacts', name, '1.0.0', 't');
  if (!existsSync(join(dir, 'manifest.json'))) return {};
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { artifacts: { name: string }[] };
  return Object.fromEntries(manifest.artifacts.map((a) => [a.name, readFileSync(join(dir, a.name))]));
}

async function runCase(ctx: TestContext, c: Case, droplets: DoEmulator | undefined): Promise<void> {
  const name = `corpus-${uniqueSuffix()}`;
  const { handle } = await startRelease(ctx.client, { project: name, tag: 'v1.0.0', projectDir: makeProject(configOf(name, c, !!droplets), c.files), taskQueue: ctx.taskQueue }).catch((err: Error) => {
    // A tagship.yml refused before the release starts is the refusal.
    if (!c.refused || !c.refused.message.test(err.message)) throw err;
    return { handle: null };
  });
  if (handle) {
    const outcome = await handle.result().then(
      () => undefined,
      (err: unknown) => releaseFailure(Promise.reject(err as Error)),
    );
    const files = storedFiles(ctx.stateDir, name);
    if (c.refused) {
      assert.ok(outcome, 'the release was refused');
      assert.match(outcome.type ?? '', typeof c.refused.type === 'string' ? new RegExp(`^${c.refused.type}$`) : c.refused.type, outcome.message);
      assert.match(outcome.message, c.refused.message);
      if (!c.storedAnyway) assert.deepEqual(Object.keys(files), [], 'nothing was stored for the target');
    } else if (c.stored) {
      assert.equal(outcome, undefined, outcome?.message);
      c.stored(files);
    } else c.either!({ ...(outcome ? { failure: outcome } : {}), files });
    assert.deepEqual(await containersOf(handle.workflowId), [], 'its machines were deleted');
  }
  if (droplets) {
    assert.deepEqual(await dropletsLeft(droplets), { droplets: 0, containers: [] }, 'its droplets were deleted');
  }
}

async function corpus(t: NodeTestContext, droplets: DoEmulator | undefined): Promise<void> {
  await withWorker(async (ctx) => {
    for (const c of CASES) {
      if (droplets && c.dockerOnly) continue;
      await t.test(c.name, () => runCase(ctx, c, droplets));
    }
  }, droplets ? { provider: emulatorProvider(droplets) } : {});
}

test('the hostile-build corpus on docker machines', (t) => corpus(t, undefined));

test('the hostile-build corpus on emulated droplets', async (t) => {
  const em = await startEmulator();
  try {
    await corpus(t, em);
  } finally {
    await em.close();
  }
});
