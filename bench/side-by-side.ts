// The example's release shape with fixed durations, side by side: (a) through tagship, on
// simulated machines (providers/simulated: provisioning and build times are set, no
// containers), and (b) through the seed pipeline's shape (bench/seed-shape.ts). Both print
// wall time against the critical path, machine-seconds against Σ(provision + build), and a
// timeline picture.
import { recordGoal } from './goals.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_STATE_DIR } from '../providers/paths.ts';
import { makeProject } from '../test/helpers/projects.ts';
import { generateTestKey, projectKey } from '../test/helpers/gpg.ts';
import { startRelease } from '../client/release.ts';
import { releaseTimeline } from '../client/timeline.ts';
import { renderTimelineSvg, timelineSpans, type Span } from '../core/timeline.ts';
import { MachineLabel } from '../core/names.ts';
import { withSimulatedWorker } from './simulated.ts';
import { runSeedShape, type Shape } from './seed-shape.ts';

/** The example's four targets (hello-veilid's), with provisioning like a droplet's and builds of
 *  different lengths, scaled down so the bench takes a minute. */
export const SHAPE: Shape = {
  gateMs: 3_000,
  pollMs: 3_000,
  targets: [
    { name: 'amd64-deb', os: 'deb', provisionMs: 4_000, buildMs: 8_000 },
    { name: 'arm64-deb', os: 'deb', provisionMs: 4_000, buildMs: 10_000 },
    { name: 'amd64-rpm', os: 'rpm', provisionMs: 4_000, buildMs: 5_000 },
    { name: 'arm64-rpm', os: 'rpm', provisionMs: 6_000, buildMs: 14_000 },
  ],
};

const deb = (t: string) => `mkdir -p out/r/DEBIAN && printf "Package: hello-${t}\\nVersion: $TAGSHIP_VERSION\\nArchitecture: all\\nMaintainer: t <t@example.invalid>\\nDescription: s\\n" > out/r/DEBIAN/control && dpkg-deb --build out/r out/hello-${t}_\${TAGSHIP_VERSION}_all.deb >/dev/null`;
const rpm = (t: string) => `printf 'Name: hello-${t}\\nVersion: %s\\nRelease: 1\\nSummary: s\\nLicense: MIT\\nBuildArch: noarch\\n%%%%description\\ns\\n%%%%files\\n' $TAGSHIP_VERSION > s.spec && rpmbuild -bb --quiet --define "_topdir $PWD/rpm" s.spec && mkdir -p out && cp rpm/RPMS/noarch/*.rpm out/`;

/** `keyRef`: the project's key as tagship.yml names it (env:<PROJECT>_SIGNING_KEY). */
function projectYml(name: string, keyRef: string, shape: Shape, early: boolean): string {
  const targets = shape.targets.map((t) => `  - { name: ${t.name}, arch: amd64, os: ${t.os}, build: [${JSON.stringify(`sleep ${t.buildMs / 1000} && ${t.os === 'deb' ? deb(t.name) : rpm(t.name)}`)}], artifacts: [out/*.${t.os}] }\n`).join('');
  return `project: ${name}\ntestGate: { command: "sleep ${shape.gateMs / 1000}", provisionDuringGate: ${early} }\ntargets:\n${targets}repositories:\n  deb: { signingKey: { keyFile: ${JSON.stringify(keyRef)} } }\n  rpm: { signingKey: { keyFile: ${JSON.stringify(keyRef)} }, baseUrl: "http://127.0.0.1:1/${name}/rpm" }\n`;
}

/** Total time of the spans on rows ending in `suffix` (first start to last end). */
function stepMs(spans: Span[], suffix: string): number {
  const own = spans.filter((s) => s.row.endsWith(suffix) && s.kind !== 'queued');
  return own.length ? Math.max(...own.map((s) => s.end)) - Math.min(...own.map((s) => s.start)) : 0;
}

export interface ShapeFigures {
  wallMs: number;
  criticalMs: number;
  machineSeconds: number;
  provisionPlusBuildSeconds: number;
  timeline: string;
}

/** `early`: machines made ready while the gate runs — each target builds at max(gate, its provisioning). */
function criticalPath(shape: Shape, repositoriesMs: number, deployMs: number, early = false): number {
  const ready = (t: Shape['targets'][number]) => (early ? Math.max(shape.gateMs, t.provisionMs) : shape.gateMs + t.provisionMs);
  return Math.max(...shape.targets.map((t) => ready(t) + t.buildMs)) + repositoriesMs + deployMs;
}

export async function sideBySide(): Promise<void> {
  const out = join(DEFAULT_STATE_DIR, 'bench');
  mkdirSync(out, { recursive: true });
  const key = generateTestKey();
  const sumPB = SHAPE.targets.reduce((n, t) => n + t.provisionMs + t.buildMs, 0) / 1000;
  const runTagship = (early: boolean) => {
    const name = `shape-${early ? 'early' : 'gated'}-${Date.now().toString(36)}`;
    const dir = makeProject(projectYml(name, projectKey(name, key.keyFile).ref, SHAPE, early));
    return withSimulatedWorker(
      async ({ client, taskQueue }) => {
        const t0 = performance.now();
        const { handle } = await startRelease(client, { project: name, tag: 'v1.0.0', projectDir: dir, taskQueue });
        const result = await handle.result();
        const wallMs = performance.now() - t0;
        const spans = timelineSpans(await releaseTimeline(client, handle.workflowId));
        const timeline = join(out, `timeline-tagship${early ? '-early' : ''}.svg`);
        writeFileSync(timeline, renderTimelineSvg(spans, `tagship${early ? ', machines during the gate' : ''}: ${handle.workflowId} (simulated machines)`));
        const repositoriesMs = stepMs(spans, ': buildRepositories');
        const deployMs = stepMs(spans, ': deployRepository');
        const deleteMs = stepMs(spans.filter((s) => s.row.startsWith('target amd64-deb')), ': deleteMachine');
        return { wallMs, machineSeconds: result.targets.reduce((n, t) => n + t.machineSeconds, 0), repositoriesMs, deployMs, deleteMs, timeline };
      },
      { workRoot: join(out, 'machines'), provisionMs: (spec) => SHAPE.targets.find((t) => t.name === spec.labels[MachineLabel.target])?.provisionMs ?? 0 },
    );
  };
  const tagship = await runTagship(false);
  const early = await runTagship(true);

  // The seed's shape with the same durations; its repository, deploy and delete steps take
  // what tagship's took, so only the shape differs.
  const seed = await runSeedShape(SHAPE, { repositoriesMs: tagship.repositoriesMs, deployMs: tagship.deployMs, deleteMs: tagship.deleteMs });
  const seedTimeline = join(out, 'timeline-seed-shape.svg');
  writeFileSync(seedTimeline, renderTimelineSvg(seed.spans, 'seed shape: machines up front, stages in sequence, 3 s runner polls'));

  const critical = criticalPath(SHAPE, tagship.repositoriesMs, tagship.deployMs);
  const rows: [string, ShapeFigures][] = [
    ['tagship', { wallMs: tagship.wallMs, criticalMs: critical, machineSeconds: tagship.machineSeconds, provisionPlusBuildSeconds: sumPB, timeline: tagship.timeline }],
    ['+ early', { wallMs: early.wallMs, criticalMs: criticalPath(SHAPE, early.repositoriesMs, early.deployMs, true), machineSeconds: early.machineSeconds, provisionPlusBuildSeconds: sumPB, timeline: early.timeline }],
    ['seed shape', { wallMs: seed.wallMs, criticalMs: critical, machineSeconds: seed.machineSeconds, provisionPlusBuildSeconds: sumPB, timeline: seedTimeline }],
  ];
  console.log(`\nside by side: the example's shape — gate ${SHAPE.gateMs / 1000} s; ${SHAPE.targets.map((t) => `${t.name} ${t.provisionMs / 1000}+${t.buildMs / 1000} s`).join(', ')} (provision+build); repositories ${(tagship.repositoriesMs / 1000).toFixed(1)} s, deploy ${(tagship.deployMs / 1000).toFixed(1)} s; no publish step in this shape`);
  console.log(`${''.padEnd(12)} ${'wall'.padStart(8)} ${'critical path'.padStart(14)} ${'over it'.padStart(8)} ${'machine-s'.padStart(10)} ${'Σ(prov+build)'.padStart(14)} ${'ratio'.padStart(6)}  timeline`);
  for (const [label, f] of rows) {
    console.log(`${label.padEnd(12)} ${(f.wallMs / 1000).toFixed(1).padStart(7)}s ${(f.criticalMs / 1000).toFixed(1).padStart(13)}s ${((f.wallMs - f.criticalMs) / 1000).toFixed(1).padStart(7)}s ${f.machineSeconds.toFixed(0).padStart(10)} ${f.provisionPlusBuildSeconds.toFixed(0).padStart(14)} ${(f.machineSeconds / f.provisionPlusBuildSeconds).toFixed(2).padStart(6)}  ${f.timeline}`);
  }
  // Machines during the gate: the wall is the new critical path, max(gate, provision) + build +
  // repositories + deploy, with what orchestration adds kept within a tenth of it.
  const [, e] = rows[1]!;
  recordGoal('wall with machines during the gate', `${(e.wallMs / 1000).toFixed(1)} s`, `≈ critical path ${(e.criticalMs / 1000).toFixed(1)} s (+≤10 %)`, e.wallMs <= e.criticalMs * 1.1);
}
