// `tagship check`: tagship.yml (and the projects file) validated offline — no server, no
// network — every error printed with its field (exit 2), or what the release would do.
// `tagship init`: a starting tagship.yml from what the repository holds (core/config/init.ts).
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { initialConfig, type RepoFacts } from '../core/config/init.ts';
import { SCHEMA_FILE } from '../core/config/json-schema.ts';
import { REPO_ROOT } from '../providers/paths.ts';
import type { Command } from 'commander';
import { formatConfigErrors, parseConfig } from '../core/config/parse.ts';
import type { TagshipConfig } from '../core/config/schema.ts';
import { readProjectsFile, ProjectsFileError } from '../providers/projects/file.ts';
import { Exit, ExitError, type CliContext } from './cli-context.ts';

/** One line of what a valid config releases. */
export function configSummary(c: TagshipConfig): string {
  const parts = [
    `project ${c.project}`,
    c.targets.length ? `${c.targets.length} target(s) (${c.targets.map((t) => t.name).join(', ')})` : '',
    c.publish ? `publishes ${Object.keys(c.publish).join(', ')}` : '',
    c.repositories ? `repositories ${Object.keys(c.repositories).join(', ')}` : '',
    c.checksums ? 'signed checksums' : '',
    c.app ? `container app ${c.app.image}` : '',
    `tags ${c.tag.prefix}MAJOR.MINOR.PATCH`,
  ];
  return parts.filter(Boolean).join('; ');
}

function toml(path: string): Record<string, unknown> | null {
  try {
    return parseToml(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

const packageName = (t: Record<string, unknown> | null) => ((t?.package as Record<string, unknown> | undefined)?.name as string | undefined) ?? undefined;

/** What `init` looks at: the top of the repository, and the Cargo workspace's members. */
export function repoFacts(dir: string): RepoFacts {
  const has = (p: string) => existsSync(join(dir, p));
  const cargo = toml(join(dir, 'Cargo.toml'));
  const py = toml(join(dir, 'pyproject.toml'));
  const members = ((cargo?.workspace as Record<string, unknown> | undefined)?.members as string[] | undefined) ?? [];
  // Member paths, globs expanded one level (crates/*), to the crates' names.
  const memberDirs = members.flatMap((m) => (m.endsWith('/*') ? (existsSync(join(dir, m.slice(0, -2))) ? readdirSync(join(dir, m.slice(0, -2))).map((d) => `${m.slice(0, -2)}/${d}`) : []) : [m]));
  const crates = memberDirs.map((m) => packageName(toml(join(dir, m, 'Cargo.toml')))).filter((n): n is string => !!n).sort();
  const bins = ((cargo?.bin as { name?: string }[] | undefined) ?? []).map((b) => b.name).filter((n): n is string => !!n);
  return {
    name: basename(resolve(dir)),
    makefileTest: has('Makefile') && /^test:/m.test(readFileSync(join(dir, 'Makefile'), 'utf8')),
    ...(cargo ? { cargo: { ...(packageName(cargo) ? { packageName: packageName(cargo)! } : {}), bins, members: crates } } : {}),
    ...(py ? { pyproject: { ...((py.project as { name?: string } | undefined)?.name ? { name: (py.project as { name: string }).name } : {}) } } : {}),
    dockerfile: has('Dockerfile'),
    chart: has('chart/Chart.yaml'),
  };
}

export function addConfigCommands(program: Command, ctx: CliContext): void {
  program
    .command('init [dir]')
    .description('write a starting tagship.yml from what the repository holds (Cargo, pyproject, Makefile, Dockerfile, chart/)')
    .option('--force', 'replace an existing tagship.yml')
    .action((dir: string | undefined, o: { force?: boolean }) => {
      const root = resolve(dir ?? '.');
      const file = join(root, 'tagship.yml');
      if (existsSync(file) && !o.force) throw new ExitError(Exit.badInput, `${file} exists; pass --force to replace it`);
      const text = initialConfig(repoFacts(root), join(REPO_ROOT, SCHEMA_FILE));
      const parsed = parseConfig(text);
      if (!parsed.ok) throw new ExitError(Exit.failed, formatConfigErrors('the written tagship.yml', parsed.errors));
      writeFileSync(file, text);
      ctx.print(`wrote ${file} — ${configSummary(parsed.config)}`);
      ctx.print('check the lines marked CHECK, then run `tagship check`');
    });

  program
    .command('check [file]')
    .description('validate tagship.yml (default ./tagship.yml), and a projects file, offline: every error with its field (exit 2)')
    .option('--projects <file>', 'also validate this projects file')
    .action((file: string | undefined, o: { projects?: string }) => {
      const path = resolve(file ?? 'tagship.yml');
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        throw new ExitError(Exit.badInput, `${path} cannot be read: ${(err as Error).message}`);
      }
      const parsed = parseConfig(text);
      if (!parsed.ok) throw new ExitError(Exit.badInput, formatConfigErrors(path, parsed.errors));
      ctx.print(`${path}: valid — ${configSummary(parsed.config)}`);
      if (o.projects) {
        try {
          const projects = readProjectsFile(resolve(o.projects), process.env);
          ctx.print(`${resolve(o.projects)}: valid — ${projects.names().length} project(s) (${projects.names().join(', ')})`);
        } catch (err) {
          if (err instanceof ProjectsFileError) throw new ExitError(Exit.badInput, err.message);
          throw err;
        }
      }
    });
}
