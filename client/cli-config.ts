// `tagship check`: tagship.yml (and the projects file) validated offline — no server, no
// network — every error printed with its field (exit 2), or what the release would do.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
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

export function addConfigCommands(program: Command, ctx: CliContext): void {
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
