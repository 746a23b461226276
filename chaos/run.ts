// `npm run chaos`: releases of the example under faults, on loopback only, stopping by itself,
// with a table of what happened beside the goals (0 machines left, 0 double publishes, 0 failed
// client reads, every release completed or failed with a reason).
//   npm run chaos                          the full run (about two hours on 2 cores)
//   npm run chaos -- --scale 0.2           a fifth of every suite's releases (at least one)
//   npm run chaos -- --suites kill,server  some suites only (kill, stages, server, machines, do)
//   npm run chaos -- --seed 42             the same random moments again
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { DEFAULT_STATE_DIR } from '../providers/paths.ts';
import { startEmulator, DO_TOKEN } from '../test/helpers/digitalocean.ts';
import { aptScript, inContainer } from '../test/helpers/clients.ts';
import type { ReleaseProgress } from '../workflows/types.ts';
import { createWorld, fetchKeyring, type World } from './world.ts';
import { killAt, killOnStage, machineKill, serverKillAt } from './disruptions.ts';
import { aptLine, runRelease, type RunOptions } from './release-run.ts';
import { formatTable, summarize, type ReleaseRecord } from './table.ts';

const SUITES = ['kill', 'stages', 'server', 'machines', 'do'] as const;
/** Later stages a uniform moment rarely hits: killed on entering each. */
const LATE_STAGES: ReleaseProgress['stage'][] = ['test-gate', 'publishing', 'repositories', 'deploying'];

/** A small seeded generator (mulberry32), so a run's random moments can be repeated. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function line(r: ReleaseRecord): string {
  return `  ${r.suite.padEnd(8)} ${r.tag.padEnd(10)} ${r.outcome.padEnd(9)} ${(r.wallMs / 1000).toFixed(1).padStart(6)} s (lost ${(r.lostMs / 1000).toFixed(1)} s)  machines left ${r.machinesLeft}  double publishes ${r.doublePublishes}  reads failed ${r.clientReadFailures}/${r.clientReads}  — ${r.disruption}${r.reason ? `\n      reason: ${r.reason}` : ''}`;
}

/** apt-get update && apt-get install in a fresh container, over and over until stopped. */
function aptLoop(world: World): { stop: () => Promise<{ reads: number; failures: number }> } {
  let running = true;
  let reads = 0;
  let failures = 0;
  const done = (async () => {
    while (running) {
      const r = await inContainer(aptScript(aptLine(world), 'apt-get install -y hello-veilid-cli >/dev/null 2>&1\nhello-veilid-cli --version'), { mounts: { [world.keysDir]: '/keys' } });
      reads++;
      if (r.code !== 0) {
        failures++;
        // apt's own words on what failed (the fetch, the hashes expected and received), and
        // the whole output beside the report.
        const file = join(world.dir, `apt-loop-failure-${failures}.txt`);
        writeFileSync(file, r.output);
        console.log(`    apt loop read failed (${file}):\n${r.output.split('\n').filter((l) => /^(E:|W:|Err:)|mismatch|unexpected size|Hashes of|Filesize|SHA256|created at|Last modification/.test(l)).join('\n')}`);
      }
    }
  })();
  return { stop: async () => ((running = false), await done, { reads, failures }) };
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--scale <f>', 'fraction of each suite\'s releases', '1')
    .option('--suites <list>', `comma-separated: ${SUITES.join(',')}`, SUITES.join(','))
    .option('--seed <n>', 'random seed', String(Date.now() % 1_000_000))
    .parse()
    .opts<{ scale: string; suites: string; seed: string }>();
  const scale = Number(opts.scale);
  if (!(scale > 0 && scale <= 1)) throw new Error(`--scale: "${opts.scale}" is not a fraction in (0, 1]`);
  const suites = opts.suites.split(',');
  const unknown = suites.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`--suites: ${unknown.join(', ')} unknown; choose from ${SUITES.join(', ')}`);
  const n = (full: number) => Math.max(1, Math.round(full * scale));
  const rng = seeded(Number(opts.seed));
  const between = (lo: number, hi: number) => lo + rng() * (hi - lo);
  console.log(`chaos: seed ${opts.seed}, scale ${scale}, suites ${suites.join(', ')}`);

  const root = join(DEFAULT_STATE_DIR, 'chaos');
  mkdirSync(root, { recursive: true });
  const world = await createWorld(root);
  const records: ReleaseRecord[] = [];
  const extraReads: Record<string, { reads: number; failures: number }> = {};
  let version = 0;
  const nextTag = (major: number) => `v${major}.0.${++version}`;
  const record = (r: ReleaseRecord) => (records.push(r), console.log(line(r)));
  // Ctrl-C ends the run after the release in flight, with everything stopped and the table.
  let stopping = false;
  process.once('SIGINT', () => {
    stopping = true;
    console.log('\nstopping after the release in flight…');
  });
  const count = (full: number) => (stopping ? 0 : n(full));
  const began = Date.now();
  try {
    await world.startOrchestrator();
    const run = (o: Omit<RunOptions, 'taskQueue'>) => runRelease(world, { ...o, taskQueue: world.taskQueue });

    // Undisturbed releases: the first warms caches; the second is what a release costs.
    console.log('baseline: two undisturbed releases');
    await run({ suite: 'warm-up', tag: nextTag(1), baselineMs: 0, read: false });
    const measured = await run({ suite: 'baseline', tag: nextTag(1), baselineMs: 0 });
    const baseline = { ...measured, lostMs: 0 };
    record(baseline);
    await fetchKeyring(world);
    const W = baseline.wallMs;
    console.log(`baseline release: ${(W / 1000).toFixed(1)} s`);

    if (suites.includes('kill')) {
      console.log(`\nkill: ${n(50)} releases, orchestrator SIGKILLed at a uniform moment, restarted after 0–5 s`);
      for (let i = 0; i < count(50) && !stopping; i++) record(await run({ suite: 'kill', tag: nextTag(2), baselineMs: W, disruption: killAt(world, between(0, 0.75 * W), between(0, 5_000)) }));
    }
    if (suites.includes('stages')) {
      console.log(`\nstages: orchestrator SIGKILLed on entering ${LATE_STAGES.join(', ')}`);
      for (let i = 0; i < count(20) && !stopping; i++) {
        const stage = LATE_STAGES[i % LATE_STAGES.length]!;
        record(await run({ suite: 'stages', tag: nextTag(3), baselineMs: W, disruption: killOnStage(world, stage, between(0, 5_000)) }));
      }
    }
    if (suites.includes('machines')) {
      console.log(`\nmachines: ${n(10)} releases, a build machine killed at a random moment of its build`);
      for (let i = 0; i < count(10) && !stopping; i++) record(await run({ suite: 'machines', tag: nextTag(4), baselineMs: W, disruption: machineKill(between(0, 4_000), rng) }));
    }
    if (suites.includes('server')) {
      console.log(`\nserver: ${n(10)} releases, the Temporal server SIGKILLed and restarted on its database`);
      for (let i = 0; i < count(10) && !stopping; i++) record(await run({ suite: 'server', tag: nextTag(5), baselineMs: W, disruption: serverKillAt(world, between(0, 0.75 * W), between(0, 5_000)) }));
    }
    if (suites.includes('do') && !stopping) {
      const em = await startEmulator({ bootDelayMs: 500, dropletLimit: 25 });
      try {
        await world.killOrchestrator();
        await world.startOrchestrator({ TAGSHIP_PROVIDER: 'digitalocean', TAGSHIP_DO_TOKEN: DO_TOKEN, TAGSHIP_DO_API_URL: em.apiUrl });
        const doBaseline = await run({ suite: 'do-base', tag: nextTag(6), baselineMs: 0, emulator: em, read: false });
        console.log(`\ndo: ${n(20)} releases on emulated droplets, 10 % of API calls faulted (429, 5xx, timeouts), deletes linger 3 s; an apt-get loop in clean containers meanwhile (undisturbed: ${(doBaseline.wallMs / 1000).toFixed(1)} s)`);
        em.faults.random = { rate: 0.1, retryAfterSeconds: 1, slowMs: 35_000, rng };
        em.faults.lingerMs = 3_000;
        const loop = aptLoop(world);
        for (let i = 0; i < count(20) && !stopping; i++) record(await run({ suite: 'do', tag: nextTag(6), baselineMs: doBaseline.wallMs, emulator: em }));
        extraReads.do = await loop.stop();
        console.log(`  faults injected: ${JSON.stringify(em.injected)}; apt loop: ${extraReads.do.reads} installs, ${extraReads.do.failures} failed`);
        delete em.faults.random;
      } finally {
        await world.killOrchestrator();
        await em.close();
      }
    }
  } finally {
    await world.close();
  }
  const table = formatTable(summarize(records, extraReads));
  const minutes = ((Date.now() - began) / 60_000).toFixed(1);
  console.log(`\n${table}\n\n${records.length} releases in ${minutes} min (seed ${opts.seed}).`);
  const report = join(world.dir, 'report.md');
  writeFileSync(report, `# tagship chaos run (seed ${opts.seed}, scale ${scale})\n\n${table}\n\n${records.length} releases in ${minutes} min.\n\n## Releases\n\n${records.map(line).join('\n')}\n`);
  console.log(`Report: ${report}`);
}

main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  })
  // Everything is closed by now (no JavaScript handle is left), yet the process lingered after
  // its report: a native handle of the SDK's that nothing here owns. The run is over.
  .finally(() => process.exit());
