// A container app's Helm chart, released with the image (issue 13): the chart folder of the
// tagged commit, its version and appVersion set to the release's version and its image pinned
// by the release's digest, linted, packaged and pushed to the OCI registry as a chart with a
// real helm. A chart version is written once: found again with the same image digest it is
// left as it is, with another it is refused. The chart comes from the repository (hostile
// input): only regular files and folders under the chart path are taken.
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import tar from 'tar-stream';
import { parse, stringify } from 'yaml';
import { FailureType, nonRetryable } from '../../../core/failures.ts';
import type { SourceRef } from '../../../activities/source.ts';
import { invalidInput } from '../../../activities/inputs.ts';
import { withHeartbeat } from '../../../activities/heartbeat.ts';

const run = promisify(execFile);
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const CHART_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** A chart is a few KiB of YAML; anything far larger is not one. */
const MAX_CHART_BYTES = 4 << 20;

export interface ChartInput {
  source: SourceRef;
  /** The chart folder in the project (app.chart.path, checked by the config schema). */
  path: string;
  version: string;
  /** <registry>/<image> and the multi-arch index the release tagged. */
  repository: string;
  digest: string;
}

export interface ChartResult {
  /** oci://<registry>/charts/<name> */
  reference: string;
  name: string;
  version: string;
  digest: string;
  outcome: 'pushed' | 'unchanged';
}

/** The chart folder's regular files, out of the commit's tarball, under `into`. */
async function extractChart(sourceTar: string, path: string, into: string): Promise<number> {
  const prefix = `${path.replace(/^\.\//, '').replace(/\/$/, '')}/`;
  let files = 0;
  let bytes = 0;
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    const name = header.name.replace(/^\.\//, '');
    const rel = name.startsWith(prefix) ? name.slice(prefix.length) : null;
    if (rel === null || rel === '' || header.type !== 'file' || rel.split('/').some((p) => p === '..' || p === '')) {
      body.on('end', next);
      body.resume();
      return;
    }
    const chunks: Buffer[] = [];
    body.on('data', (c: unknown) => {
      bytes += (c as Buffer).length;
      // Past the cap nothing more is kept: an oversized file is refused without being held in memory.
      if (bytes <= MAX_CHART_BYTES) chunks.push(c as Buffer);
    });
    body.on('end', () => {
      if (bytes > MAX_CHART_BYTES) return next(new Error(`the chart folder ${path} holds more than ${MAX_CHART_BYTES} bytes`));
      const to = join(into, rel);
      files++;
      mkdir(dirname(to), { recursive: true }).then(() => writeFile(to, Buffer.concat(chunks))).then(() => next(), next);
    });
  });
  await pipeline(createReadStream(sourceTar), extract);
  return files;
}

export function createChartActivities(deps: { helm: string; registryHost?: string }) {
  return {
    async releaseChart(input: ChartInput): Promise<ChartResult> {
      if (!DIGEST.test(input.digest)) throw invalidInput('digest', `${JSON.stringify(input.digest)} is not a sha256 digest`);
      if (!deps.registryHost) throw nonRetryable(FailureType.ConfigInvalid, 'this worker has no OCI registry; set TAGSHIP_REGISTRY (host:port) and restart it');
      const work = await mkdtemp(join(tmpdir(), 'tagship-chart-'));
      // helm's own folders, inside the scratch folder: nothing of the host's helm set-up is used.
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, HELM_CACHE_HOME: join(work, '.cache'), HELM_CONFIG_HOME: join(work, '.config'), HELM_DATA_HOME: join(work, '.data') };
      const plainHttp = /^(127\.|localhost[:/]|\[::1\])/.test(deps.registryHost) ? ['--plain-http'] : [];
      const helm = async (args: string[], what: string) => {
        try {
          // helm prints some results (a push's digest) on stderr.
          return await run(deps.helm, args, { env, maxBuffer: 8 << 20 });
        } catch (err) {
          const e = err as { stdout?: string; stderr?: string; message: string };
          throw Object.assign(new Error(`${what} failed: ${`${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || e.message}`), { helmOutput: `${e.stdout ?? ''}${e.stderr ?? ''}` });
        }
      };
      try {
        return await withHeartbeat(async () => {
          const dir = join(work, 'chart');
          const files = await extractChart(input.source.path, input.path, dir).catch((err: Error) => {
            throw nonRetryable(FailureType.ChartInvalid, `app.chart.path ${input.path}: ${err.message}`);
          });
          const chartYaml = await readFile(join(dir, 'Chart.yaml'), 'utf8').catch(() => null);
          if (!files || chartYaml === null) throw nonRetryable(FailureType.ChartInvalid, `the commit has no chart at ${input.path} (no Chart.yaml); app.chart.path names the chart folder`);
          const chart = (parse(chartYaml) ?? {}) as Record<string, unknown>;
          const name = typeof chart.name === 'string' ? chart.name : '';
          if (!CHART_NAME.test(name)) throw nonRetryable(FailureType.ChartInvalid, `${input.path}/Chart.yaml: name ${JSON.stringify(name)} must be lowercase letters, digits and "-"`);
          await writeFile(join(dir, 'Chart.yaml'), stringify({ ...chart, version: input.version, appVersion: input.version }));
          const values = ((parse((await readFile(join(dir, 'values.yaml'), 'utf8').catch(() => '')) || '{}') ?? {}) as Record<string, unknown>);
          const image = (values.image && typeof values.image === 'object' ? values.image : {}) as Record<string, unknown>;
          await writeFile(join(dir, 'values.yaml'), stringify({ ...values, image: { ...image, repository: input.repository, digest: input.digest } }));

          const reference = `oci://${deps.registryHost}/charts/${name}`;
          // Written once: a chart of this version already pushed stands if it pins this digest.
          const existing = await helm(['show', 'values', reference, '--version', input.version, ...plainHttp], 'helm show values').then((o) => o.stdout, () => null);
          if (existing !== null) {
            const pinned = ((parse(existing) ?? {}) as { image?: { digest?: string } }).image?.digest;
            if (pinned !== input.digest) throw nonRetryable(FailureType.VersionTagConflict, `${reference} ${input.version} already pins ${pinned ?? 'no digest'}, not ${input.digest}: chart versions are never replaced`);
            return { reference, name, version: input.version, digest: '', outcome: 'unchanged' as const };
          }
          await helm(['lint', dir], 'helm lint').catch((err: Error) => {
            throw nonRetryable(FailureType.ChartInvalid, err.message);
          });
          const packaged = (await helm(['package', dir, '--destination', work], 'helm package')).stdout;
          const tgz = /saved it to: (.+\.tgz)/.exec(packaged)?.[1]?.trim() ?? join(work, `${name}-${input.version}.tgz`);
          const pushed = await helm(['push', tgz, `oci://${deps.registryHost}/charts`, ...plainHttp], 'helm push');
          const digest = /Digest:\s*(sha256:[0-9a-f]{64})/.exec(`${pushed.stdout}${pushed.stderr}`)?.[1] ?? '';
          return { reference, name, version: input.version, digest, outcome: 'pushed' as const };
        });
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  };
}
