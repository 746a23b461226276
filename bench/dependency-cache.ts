// A second release of the same Rust workspace against its first (issue 25): a workspace that
// pins crates from the public registry in its Cargo.lock, built with real cargo (Debian's
// rustc-web, in an environment from steps) through the egress proxy. The first release fetches
// every crate; the second finds them in the project's dependency cache, put in place before its
// gate and build. The lock file itself is made by cargo in a first release (nothing here names a
// registry), then committed beside the workspace as a project would.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startRelease } from '../client/release.ts';
import { withWorker } from '../test/helpers/temporal.ts';
import { makeProject } from '../test/helpers/projects.ts';
import type { ReleaseResult } from '../workflows/types.ts';

/** Crates with no dependencies of their own, pinned: the lock names exactly these. */
const CRATES = ['itoa = "=1.0.11"', 'ryu = "=1.0.18"', 'memchr = "=2.7.4"', 'hex = "=0.4.3"', 'fnv = "=1.0.7"', 'cfg-if = "=1.0.0"', 'either = "=1.13.0"', 'scopeguard = "=1.2.0"', 'lazy_static = "=1.5.0"', 'static_assertions = "=1.1.0"'];
const TOOLCHAIN = "RUN sed -e 's|/debian |/debian-security |' -e 's| bookworm | bookworm-security |' /etc/apt/sources.list > /etc/apt/sources.list.d/security.list && apt-get update && apt-get install -y --no-install-recommends rustc-web cargo-web && rm -rf /var/lib/apt/lists/*";

function config(project: string, gate: string, build: string): string {
  return [
    `project: ${project}`,
    'tag: { checkVersions: false }   # three tags of one workspace at 0.1.0',
    `testGate: { command: ${JSON.stringify(gate)}, network: true, image: { steps: [${JSON.stringify(TOOLCHAIN)}] }, timeoutMinutes: 30 }`,
    'targets:',
    `  - { name: t, arch: amd64, os: generic, network: true, timeoutMinutes: 30, machine: { image: { steps: [${JSON.stringify(TOOLCHAIN)}] } }, build: [${JSON.stringify(build)}], artifacts: [out/*] }`,
  ].join('\n');
}

export async function dependencyCacheFigures(): Promise<void> {
  const project = `bench-cache-${Date.now().toString(36)}`;
  const files = {
    'Cargo.toml': `[package]\nname = "bench"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n${CRATES.join('\n')}\n`,
    'src/main.rs': 'fn main() { let mut b = itoa::Buffer::new(); println!("{}", b.format(42)); }\n',
  };
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    // Cargo writes the lock file (the environment is built here, once per content).
    const lockDir = makeProject(config(project, 'true', 'cargo generate-lockfile && mkdir -p out && cp Cargo.lock out/'), files);
    const t0 = performance.now();
    await (await startRelease(client, { project, tag: 'v0.0.1', projectDir: lockDir, taskQueue })).handle.result();
    console.log(`dependency cache: lock file and toolchain environment made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const lock = readFileSync(join(stateDir, 'artifacts', project, '0.0.1', 't', 'Cargo.lock'), 'utf8');

    const dir = makeProject(config(project, 'cargo fetch --locked', 'cargo build --locked --release && mkdir -p out && cp target/release/bench out/'), files);
    writeFileSync(join(dir, 'Cargo.lock'), lock);
    const runs: { wall: number; r: ReleaseResult }[] = [];
    for (const tag of ['v1.0.0', 'v1.0.1']) {
      const began = performance.now();
      const r = await (await startRelease(client, { project, tag, projectDir: dir, taskQueue })).handle.result();
      runs.push({ wall: (performance.now() - began) / 1000, r });
    }
    const crates = (lock.match(/^checksum = /gm) ?? []).length;
    for (const [i, { wall, r }] of runs.entries()) {
      const t = r.targets[0]!;
      console.log(`dependency cache, release ${i + 1} of a workspace pinning ${crates} crates: ${wall.toFixed(1)} s wall; gate cache ${r.gateCache?.restored ?? 0} in / ${r.gateCache?.stored ?? 0} kept; build ${t.machineSeconds} machine-s, cache ${t.dependencyCache?.restored ?? 0} in / ${t.dependencyCache?.stored ?? 0} kept`);
    }
    const [first, second] = runs as [(typeof runs)[0], (typeof runs)[0]];
    console.log(`dependency cache: second release ${second.wall.toFixed(1)} s against the first's ${first.wall.toFixed(1)} s; its gate found ${second.r.gateCache?.restored ?? 0} and its build ${second.r.targets[0]!.dependencyCache?.restored ?? 0} of the ${crates} crates in the project's cache`);
  });
}
