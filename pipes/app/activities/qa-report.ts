// A container app's release documentation (issue 13): the QA report of the released commit as
// qa/<version>/index.html and report.md, with the SBOMs beside them, staged on top of a copy of
// the live repository tree so that the same atomic deploy as the package repositories makes it
// live (every earlier version's report, and the packages, stay as they are).
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { qaReportHtml, qaReportMarkdown, type ReportInput } from '../../../core/qa/report.ts';
import type { QaStore } from '../../../ports/qa.ts';
import type { RepositoryHost } from '../../../ports/repositories.ts';
import { invalidInput, requireName, requireTreeId } from '../../../activities/inputs.ts';

export interface StageReportInput {
  stagingId: string;
  report: ReportInput;
  /** Files other pipes made, written beside the report (names checked, contents capped). */
  files?: { name: string; content: string }[];
}

/** A file beside the report: a plain name that is not one the report itself writes. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const MAX_FILE_BYTES = 1 << 20;

export function createQaReportActivities(deps: { stateDir: string; repositories: RepositoryHost; qa: QaStore; runLink?: (run: { workflowId: string; runId: string }) => string }) {
  return {
    async stageQaReport(input: StageReportInput): Promise<{ staging: string; path: string; base: string | null }> {
      const { report } = input;
      requireName('report.project', 'project', report.project);
      requireName('report.version', 'version', report.version);
      requireName('report.record.commit', 'commit', report.record.commit);
      requireTreeId('stagingId', input.stagingId);
      if (report.record.project !== report.project) throw invalidInput('report.record.project', `the record is ${report.record.project}'s, not ${report.project}'s`);
      const files = input.files ?? [];
      const taken = new Set(['index.html', 'report.md', ...Object.values(report.record.scan ?? {}).map((s) => s.sbom.name)]);
      files.forEach((f, i) => {
        if (typeof f.name !== 'string' || !FILE_NAME.test(f.name) || taken.has(f.name)) throw invalidInput(`files[${i}].name`, `${JSON.stringify(f.name)} is not a plain file name beside the report, or names one it already has`);
        if (typeof f.content !== 'string' || Buffer.byteLength(f.content) > MAX_FILE_BYTES) throw invalidInput(`files[${i}].content`, `must be text of at most ${MAX_FILE_BYTES >> 10} KiB`);
        taken.add(f.name);
      });
      const staging = join(deps.stateDir, 'repos', report.project, input.stagingId);
      const { base, dir: live } = await deps.repositories.live(report.project);
      // A retry rebuilds the same folder from the live tree.
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging, { recursive: true });
      if (live && existsSync(live)) await cp(live, staging, { recursive: true, preserveTimestamps: true });
      const dir = join(staging, 'qa', report.version);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const withFiles = files.length ? { ...report, files: files.map((f) => f.name) } : report;
      const linked = deps.runLink ? { ...withFiles, runLink: deps.runLink(report.record.run) } : withFiles;
      for (const f of files) await writeFile(join(dir, f.name), f.content);
      await writeFile(join(dir, 'report.md'), qaReportMarkdown(linked));
      await writeFile(join(dir, 'index.html'), qaReportHtml(linked));
      for (const s of Object.values(report.record.scan ?? {})) {
        await copyFile(await deps.qa.localPath(report.project, report.record.commit, s.sbom.name), join(dir, s.sbom.name));
      }
      await deps.repositories.stage(report.project, input.stagingId, staging);
      return { staging, path: `qa/${report.version}/`, base };
    },
  };
}
