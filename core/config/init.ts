// `tagship init`: a starting tagship.yml from what a repository holds — a Cargo package or
// workspace, a Python project, a Makefile with a test target, a Dockerfile and a Helm chart.
// Every guess is marked with a comment to check; the result always validates. Pure: the CLI
// reads the facts, this writes the text.

export interface RepoFacts {
  /** The folder's name: the project's, made a slug. */
  name: string;
  makefileTest: boolean;
  cargo?: { packageName?: string; bins?: string[]; members?: string[] };
  pyproject?: { name?: string };
  dockerfile: boolean;
  chart: boolean;
}

export function slugOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'project';
}

const q = (s: string) => JSON.stringify(s);

export function initialConfig(f: RepoFacts, schemaPath: string): string {
  const project = slugOf(f.name);
  const out = [`# yaml-language-server: $schema=${schemaPath}`, '# Written by `tagship init` from what this repository holds: check every line marked CHECK.', '# Validate it offline with `tagship check`; every field is in README.md, "tagship.yml".', `project: ${project}`, ''];
  const gate = f.makefileTest ? 'make test' : f.cargo ? 'cargo test --locked' : f.pyproject ? 'python3 -m pytest' : 'true';
  const packages = !!(f.cargo || f.pyproject) || !f.dockerfile;
  if (packages) {
    // Tests that fetch their dependencies (cargo, pip) need the egress proxy.
    const fetches = !f.makefileTest && !!(f.cargo || f.pyproject);
    out.push('# Runs on the tagged commit before anything is built; a failure ends the release.', `testGate: { command: ${q(gate)}${fetches ? ', network: true' : ''} }${gate === 'true' ? '  # CHECK: your tests' : fetches ? '   # dependencies through the egress proxy' : ''}`);
    if (f.cargo) out.push("# A toolchain newer than tagship's machine image: image: { steps: [\"RUN …\"] } here and in machine:");
    out.push('', 'targets:');
    if (f.cargo) {
      const bin = f.cargo.bins?.[0] ?? f.cargo.packageName ?? project;
      out.push(
        '  - name: linux-amd64',
        '    arch: amd64',
        '    os: generic',
        '    network: true          # cargo fetches the dependencies',
        '    build:',
        '      - cargo build --release --locked',
        `      - mkdir -p dist && tar -czf dist/${bin}-$TAGSHIP_VERSION-linux-amd64.tar.gz -C target/release ${bin}   # CHECK: the binaries to ship`,
        '    artifacts:',
        '      - { path: "dist/*.tar.gz", kind: archive }',
      );
    }
    if (f.pyproject) {
      out.push('  - name: python', '    arch: all', '    os: generic', '    network: true          # the build backend is fetched', '    build: [python3 -m build --outdir dist .]', '    artifacts: [dist/*]');
    }
    if (!f.cargo && !f.pyproject) out.push('  - name: linux-amd64', '    arch: amd64', '    os: generic', '    build: [make]             # CHECK: how this project builds', '    artifacts: [dist/*]       # CHECK: what it leaves');
    const publish = [
      ...(f.cargo?.members?.length ? [`  crates: { registry: crates, order: [${[...f.cargo.members.filter((m) => m !== f.cargo!.packageName), ...(f.cargo.packageName ? [f.cargo.packageName] : [])].join(', ')}] }   # CHECK: dependencies first; the worker resolves the registry name`] : f.cargo?.packageName ? [`  crates: { registry: crates, order: [${f.cargo.packageName}] }   # the worker resolves the registry name`] : []),
      ...(f.pyproject?.name ? [`  python: { repository: pypi, package: ${f.pyproject.name} }   # the worker resolves the repository name`] : []),
    ];
    if (publish.length) out.push('', '# Published once every target built and every artifact was verified, in this order.', 'publish:', ...publish);
    out.push('', '# SHA256SUMS over every released file, served with them under releases/<version>/.', 'checksums: {}');
  }
  if (f.dockerfile) {
    out.push(
      '',
      '# A container app: CI builds and checks each commit; a tag releases the image CI passed.',
      'app:',
      `  image: ${project}`,
      '  tests:',
      '    command: python3 -m pytest --junitxml=out/junit.xml   # CHECK: your tests, writing JUnit and Cobertura reports',
      '    junit: out/junit.xml',
      '    coverage: { report: out/coverage.xml, minimum: 80 }',
      ...(f.chart ? ['  chart: { path: chart }'] : []),
    );
  }
  return `${out.join('\n')}\n`;
}
