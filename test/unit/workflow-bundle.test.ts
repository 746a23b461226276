// What the workflow bundle carries. Each new workflow (a release, each of its target children)
// evaluates every module of the bundle again in the worker's one workflow thread: with zod and
// all of semver in it, that evaluation was most of the thread's time at 200 releases at once
// (cpu profile of the scale bench: zod 37 s and semver 23 s of 115 s busy), and every workflow
// task waited behind it. Config schemas and libraries the decisions do not need stay out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../providers/paths.ts';

/** Packages the workflows may bundle, and why. */
const ALLOWED: Record<string, string> = {
  '@temporalio': 'the SDK itself',
  '@opentelemetry': "the tracing interceptor's (only when traces are on)",
  'nexus-rpc': 'the SDK',
  long: 'the SDK (protobuf times)',
  ms: 'the SDK (durations)',
  picomatch: 'QA allowlists match paths in the gate decision',
  semver: 'one function: a tag is a version (core/image-retention.ts)',
};

/** The bundle the test harness built (TAGSHIP_WORKFLOW_BUNDLE), else one built here. */
async function bundle(): Promise<string> {
  const built = process.env.TAGSHIP_WORKFLOW_BUNDLE;
  if (built) return readFileSync(built, 'utf8');
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  return (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet })).code;
}

function packagesOf(code: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [, id] of code.matchAll(/^\/\*\*\*\/ "\.\/node_modules\/([^"]+)"/gm)) {
    const name = id!.split('/')[0]!;
    out.set(name, [...(out.get(name) ?? []), id!]);
  }
  return out;
}

test('the workflow bundle holds no config schema library and only one function of semver', async () => {
  const packages = packagesOf(await bundle());
  assert.ok(packages.has('@temporalio'), 'the module list was read (the SDK is always there)');
  const stray = [...packages.keys()].filter((p) => !(p in ALLOWED));
  assert.deepEqual(stray, [], `packages workflow code pulls in (each new workflow evaluates them again; keep them in activities or pure modules the workflows do not import): ${stray.join(', ')}`);
  const semver = packages.get('semver') ?? [];
  assert.ok(!semver.some((m) => m === 'semver/index.js' || m.startsWith('semver/ranges/')), `all of semver is bundled, not one function: ${semver.slice(0, 5).join(', ')}`);
});
