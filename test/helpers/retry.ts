// A project for retries: target a packs a crate and a wheel; target b waits for a verdict that
// the test hands to its machine (builds have no network, so the verdict is written into the
// machine's /tmp from outside), so a test (or the history recorder) decides, after a has
// finished, that b's first build fails and later ones pass — with the same source, so a retry
// may keep a.
import Docker from 'dockerode';
import { makeProject } from './projects.ts';
import { DockerMachines } from '../../providers/docker/machines.ts';
import { MachineLabel } from '../../core/names.ts';

/** Shell lines a build runs to wait for its verdict (in $verdict). */
export const AWAIT_VERDICT = 'for i in $(seq 1 1200); do [ -s /tmp/verdict ] && break; sleep 0.25; done\nread -r verdict < /tmp/verdict\n';

/** Watches for the build machines of `project`'s `target` and gives each a verdict: the first
 *  one "fail" once `release()` is called, every later one "ok" at once. */
export function verdicts(project: string, target = 'b') {
  const docker = new Docker();
  const shell = new DockerMachines({ docker });
  let released = false;
  const answered = new Set<string>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const machines = await docker.listContainers({ filters: { label: [`${MachineLabel.target}=${target}`] } });
      for (const m of machines) {
        const name = (m.Names[0] ?? '').replace(/^\//, '');
        if (answered.has(name) || !(m.Labels[MachineLabel.release] ?? '').includes(`:${project}:`)) continue;
        const first = answered.size === 0;
        if (first && !released) continue;
        const r = await shell.exec(name, { command: `echo ${first ? 'fail' : 'ok'} > /tmp/verdict.partial && mv /tmp/verdict.partial /tmp/verdict`, env: {}, workdir: '/' }).catch(() => null);
        if (r?.exitCode === 0) answered.add(name);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    release: () => void (released = true),
    asked: () => answered.size,
    close: async () => {
      stopped = true;
      await loop;
    },
  };
}

export function retryProject(name: string): string {
  const yml = `project: ${name}
testGate: { command: "sh gate.sh" }
targets:
  - { name: a, arch: amd64, os: generic, build: ["sh make-a.sh"], artifacts: ["out/*"] }
  - { name: b, arch: amd64, os: generic, build: ["bash ask.sh"], artifacts: [out/b.txt] }
publish:
  crates: { registry: local, order: [retry-core] }
  python: { repository: local-pypi, package: retry-demo }
`;
  return makeProject(yml, {
    'gate.sh': 'echo gate ran\n',
    // A crate as `cargo package` lays it out (name-version/Cargo.toml) and a wheel-named file.
    'make-a.sh': `set -e
V="$TAGSHIP_VERSION"
mkdir -p out "pkg/retry-core-$V/src"
printf '[package]\\nname = "retry-core"\\nversion = "%s"\\nedition = "2021"\\n' "$V" > "pkg/retry-core-$V/Cargo.toml"
echo 'pub fn answer() -> u32 { 42 }' > "pkg/retry-core-$V/src/lib.rs"
tar --mtime=@0 --owner=0 --group=0 -czf "out/retry-core-$V.crate" -C pkg "retry-core-$V"
printf 'PK-wheel-%s' "$V" > "out/retry_demo-$V-py3-none-any.whl"
`,
    'ask.sh': `${AWAIT_VERDICT}echo "verdict: $verdict"
test "$verdict" = ok || exit 7
mkdir -p out && echo b > out/b.txt
`,
  });
}

