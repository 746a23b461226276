// What a project's Dockerfile may do when tagship builds it (an app's image, a build
// environment). The engine's builder runs RUN lines in containers of their own, sealed or on
// tagship's egress bridge — but some instructions are carried out by the engine itself, on the
// host's network and with the host's images, where a Dockerfile could reach what a build never
// may:
// - `ADD <url>` is downloaded by the engine from the host: loopback is the control plane
//   (Temporal, the gateway, the git server with other projects' sources, the registry).
// - `FROM` and `COPY --from` take any image the engine holds: other projects' app images and
//   build environments are there too. Only tagship's own base images (tagship/…) and earlier
//   stages may be named.
// - BuildKit's `RUN --mount` (secrets, ssh, caches shared across builds) and `--network` /
//   `--security` flags, which would widen what a RUN line sees.
// Checked before the build starts, so a refused Dockerfile builds nothing. Pure.

export interface DockerfilePolicy {
  /** Build arguments tagship passes (TARGETARCH, …), for variables in FROM lines. */
  buildArgs: Record<string, string>;
  /** Whether an image reference (after variables) may be a base. */
  allowedBase: (reference: string) => boolean;
  /** How the refusal names the allowed bases. */
  allowedBases: string;
  /** Told each image the Dockerfile names (after variables), stages and scratch left out. */
  seen?: (reference: string) => void;
}

export interface Instruction {
  line: number;
  keyword: string;
  /** The rest of the logical line, continuations joined. */
  rest: string;
}

/** tagship's own base images, built by the bootstrap; nothing a project builds is named so. */
export const TAGSHIP_BASES = { allowedBase: (ref: string) => /^tagship\/[a-z0-9][a-z0-9._-]*(:[A-Za-z0-9._-]+)?$/.test(ref), allowedBases: 'tagship\'s base images (tagship/<name>:<tag>, e.g. tagship/machine:bookworm-amd64) or scratch' };

/** The platform arguments BuildKit defines for every build, for `arch` built on this host
 *  (amd64; arm64 runs under emulation). tagship passes them and declares them at the top of
 *  the Dockerfile the builder gets (withArgsDeclared), so the engine's classic builder has them
 *  as BuildKit does. */
export function platformArgs(arch: string): Record<string, string> {
  return { TARGETPLATFORM: `linux/${arch}`, TARGETOS: 'linux', TARGETARCH: arch, TARGETVARIANT: '', BUILDPLATFORM: 'linux/amd64', BUILDOS: 'linux', BUILDARCH: 'amd64' };
}

/** `text` with `ARG <name>` for each name after its parser directives (pure). */
export function withArgsDeclared(text: string, names: readonly string[]): string {
  const lines = text.split('\n');
  let at = 0;
  while (at < lines.length && /^#\s*[a-z]+\s*=/i.test(lines[at]!)) at++;
  return [...lines.slice(0, at), ...names.map((n) => `ARG ${n}`), ...lines.slice(at)].join('\n');
}

/** Where tagship keeps the build environments it builds from projects' Dockerfiles. */
export const ENV_REPOSITORY = 'tagship-env';

/** Why a container may not be made from `image` on the docker provider, or null. Every image on
 *  the engine is there, other projects' app images and environments among them; a machine whose
 *  agent runs as root starts only from tagship's machine image (the agent's Node would load the
 *  image's own libc), other containers from tagship's bases or an environment tagship built. */
export function containerImageProblem(image: string, role: 'agent' | 'scratch'): string | null {
  if (role === 'agent') return /^tagship\/machine:[A-Za-z0-9._-]+$/.test(image) ? null : `${image} is not tagship's machine image; a build machine runs tagship/machine:bookworm-<arch>, and a project's toolchain comes from its Dockerfile (machine.image: { dockerfile: … })`;
  if (TAGSHIP_BASES.allowedBase(image) || image.startsWith(`${ENV_REPOSITORY}/`)) return null;
  return `${image} is not one of tagship's images; name one of ${TAGSHIP_BASES.allowedBases}, or build it from the commit ({ dockerfile: … })`;
}

/** Why a container of `project`'s CI (its tests, lint, integration services and runner) may not be
 *  made from `image`, or null: only tagship's bases and environments built from this project's
 *  own commits (`tagship-env/<project>:…`) — never another project's environment or app image
 *  on the same engine. Without a project, only tagship's bases. */
export function projectImageProblem(image: string, project: string | undefined): string | null {
  if (TAGSHIP_BASES.allowedBase(image) || (project !== undefined && image.startsWith(`${ENV_REPOSITORY}/${project}:`))) return null;
  return `${JSON.stringify(image)} is neither one of tagship's bases nor built from ${project ?? 'this project'}'s commits`;
}

/** Logical instructions: comments dropped, continuations joined (the escape directive honoured). */
export function instructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  // Parser directives come first, before any other line (comment or instruction).
  for (const l of lines) {
    const m = /^#\s*([a-z]+)\s*=\s*(\S+)\s*$/i.exec(l);
    if (!m) break;
    if (m[1]!.toLowerCase() === 'escape' && (m[2] === '`' || m[2] === '\\')) escape = m[2];
  }
  const out: Instruction[] = [];
  let current: Instruction | null = null;
  lines.forEach((raw, i) => {
    const line = raw.replace(/\s+$/, '');
    if (current === null) {
      if (/^\s*(#|$)/.test(line)) return;
      const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(line);
      if (!m) return;
      current = { line: i + 1, keyword: m[1]!.toUpperCase(), rest: m[2]! };
    } else {
      // Comment lines inside a continued instruction are dropped, as the engine does.
      if (/^\s*#/.test(line)) return;
      current.rest += ` ${line.trim()}`;
    }
    if (current.rest.endsWith(escape)) current.rest = current.rest.slice(0, -1).trimEnd();
    else {
      out.push(current);
      current = null;
    }
  });
  if (current) out.push(current);
  return out;
}

/** An instruction's arguments: the JSON form, or words split on blanks. */
function args(rest: string): string[] {
  const trimmed = rest.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      if (Array.isArray(parsed) && parsed.every((a) => typeof a === 'string')) return parsed;
    } catch {
      // Not JSON after all: the engine reads it as plain words too.
    }
  }
  return trimmed.split(/\s+/).filter(Boolean);
}

/** `--name=value` flags in front of an instruction's arguments, and what follows them. */
function flags(rest: string): { flags: Record<string, string>; rest: string } {
  const found: Record<string, string> = {};
  let left = rest.trim();
  for (;;) {
    const m = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(left);
    if (!m) break;
    found[m[1]!] = m[2] ?? '';
    left = left.slice(m[0].length);
  }
  return { flags: found, rest: left };
}

function expand(word: string, vars: Record<string, string>): string {
  return word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a: string | undefined, b: string | undefined) => vars[(a ?? b)!] ?? '');
}

const REMOTE = /^([a-z][a-z0-9+.-]*:\/\/|git@)/i;

/** The images the Dockerfile starts from or copies from (not stages, not scratch), with
 *  variables expanded as for the policy: what an environment's cache key must cover. */
export function dockerfileBases(text: string, buildArgs: Record<string, string>): string[] {
  const bases = new Set<string>();
  dockerfileProblems(text, { buildArgs, allowedBase: () => true, allowedBases: '', seen: (ref) => bases.add(ref) });
  return [...bases].sort();
}

/** What is wrong with the Dockerfile under `policy`, one line per refused instruction. */
export function dockerfileProblems(text: string, policy: DockerfilePolicy): string[] {
  const problems: string[] = [];
  // The build arguments are declared at the top of what the builder gets (withArgsDeclared).
  const vars: Record<string, string> = { ...policy.buildArgs };
  const stages = new Set<string>();
  let stageCount = 0;
  const base = (ref: string) => {
    if (ref === 'scratch' || stages.has(ref.toLowerCase())) return true;
    policy.seen?.(ref);
    return policy.allowedBase(ref);
  };
  const check = (ins: Instruction, keyword: string, rest: string, nested: boolean): void => {
    const where = `line ${ins.line}${nested ? ' (ONBUILD)' : ''}`;
    if (keyword === 'ARG') {
      // Only ARGs before the first FROM are seen by FROM lines; a given build arg wins over
      // the default, and an undeclared variable is empty (as the engine's builder has it).
      if (stageCount > 0) return;
      for (const word of args(rest)) {
        const [name, ...value] = word.split('=');
        if (name && !(name in vars)) vars[name] = value.length ? value.join('=') : '';
      }
    } else if (keyword === 'FROM') {
      const { flags: f, rest: left } = flags(rest);
      const [image = '', as, stage] = args(left);
      const ref = expand(image, vars);
      if (f.platform !== undefined && !expand(f.platform, vars)) problems.push(`${where}: FROM --platform=${f.platform} is empty here; tagship declares and passes the platform arguments (TARGETPLATFORM, TARGETARCH, BUILDPLATFORM, …) — declare any other with ARG before the first FROM`);
      if (!base(ref)) problems.push(`${where}: FROM ${ref || image} is not allowed; a build may start from ${policy.allowedBases}, or an earlier stage`);
      stageCount++;
      if (as?.toLowerCase() === 'as' && stage) stages.add(stage.toLowerCase());
    } else if (keyword === 'ADD') {
      const { rest: left } = flags(rest);
      const words = args(left);
      const sources = words.slice(0, -1);
      for (const s of sources) if (REMOTE.test(s)) problems.push(`${where}: ADD ${s} is not allowed: the engine would fetch it from the orchestrator's host; fetch it in a RUN line (with network: true) or commit the file`);
    } else if (keyword === 'COPY') {
      const { flags: f } = flags(rest);
      if (f.from !== undefined) {
        const from = expand(f.from, vars);
        const index = /^\d+$/.test(from) && Number(from) < stageCount;
        if (!index && !base(from)) problems.push(`${where}: COPY --from=${from} is not allowed; copy from an earlier stage or ${policy.allowedBases}`);
      }
    } else if (keyword === 'RUN') {
      const { flags: f } = flags(rest);
      for (const name of Object.keys(f)) problems.push(`${where}: RUN --${name} is not allowed; a RUN line gets the network tagship.yml asks for and nothing mounted`);
    } else if (keyword === 'ONBUILD' && !nested) {
      const m = /^([A-Za-z]+)\s*(.*)$/.exec(rest.trim());
      if (m) check(ins, m[1]!.toUpperCase(), m[2]!, true);
    }
  };
  for (const ins of instructions(text)) check(ins, ins.keyword, ins.rest, false);
  if (stageCount === 0) problems.push('the Dockerfile has no FROM line');
  return problems;
}
