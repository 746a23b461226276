// A project for retries: target a packs a crate and a wheel; target b asks a verdict server on
// loopback whether to fail, so a test (or the history recorder) decides, after a has finished,
// that b's first build fails and later ones pass — with the same source, so a retry may keep a.
import { createServer, type Socket } from 'node:net';
import { makeProject } from './projects.ts';

/** Answers each connection with a verdict line; the first one waits for `release()`. */
export async function verdictServer() {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let asked = 0;
  const server = createServer((sock: Socket) => {
    const first = asked++ === 0;
    void (first ? gate : Promise.resolve()).then(() => sock.end(first ? 'fail\n' : 'ok\n'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, release: open, asked: () => asked, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export function retryProject(name: string, port: number): string {
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
    'ask.sh': `exec 3<>/dev/tcp/127.0.0.1/${port}
read -r verdict <&3
echo "verdict: $verdict"
test "$verdict" = ok || exit 7
mkdir -p out && echo b > out/b.txt
`,
  });
}

