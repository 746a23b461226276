// The Temporal Web UI as an operator uses it, in Debian's chromium driven by playwright-core:
// find a finished release by its TagshipProject search attribute, open it, and read the
// pipeline's steps in its event history. Saves a screenshot to test-artifacts/. Every request
// that is not to the loopback UI is refused, so the page works (and is tested) offline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { makeProject } from '../helpers/projects.ts';
import { startRelease } from '../../client/release.ts';
import { REPO_ROOT } from '../../providers/paths.ts';

const CHROMIUM = process.env.TAGSHIP_CHROMIUM ?? '/usr/bin/chromium';
const STEP = 30_000;

function uiUrl(): string {
  const url = process.env.TAGSHIP_TEST_UI_URL;
  if (!url) throw new Error('TAGSHIP_TEST_UI_URL is not set: run the tests through `npm test`, which starts the dev server with its UI');
  return url;
}

async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM}; the bootstrap installs Debian's chromium (or set TAGSHIP_CHROMIUM)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: STEP,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

test('an operator finds a finished release by its search attribute and reads its steps in the Web UI', { timeout: 240_000 }, async () => {
  const project = `webui-${uniqueSuffix()}`;
  // Machines only after the gate, so the steps come one after another (the overlap has its own test).
  const dir = makeProject(`project: ${project}\ntestGate: { command: "true", provisionDuringGate: false }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["mkdir -p out && echo x > out/x"], artifacts: [out/x] }\n`);
  const workflowId = `release:${project}:v1.0.0`;
  await withWorker(async ({ client, taskQueue }) => {
    const { handle } = await startRelease(client, { project, tag: 'v1.0.0', projectDir: dir, taskQueue });
    await handle.result();
  });

  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1700, height: 1000 } });
    page.setDefaultTimeout(STEP);
    const ui = new URL(uiUrl());
    const offsite: string[] = [];
    await page.route('**/*', (route) => {
      const host = new URL(route.request().url()).hostname;
      if (host === ui.hostname || host === '127.0.0.1') return route.continue();
      offsite.push(host);
      return route.abort();
    });

    // The list, filtered by the custom search attribute, the way an operator types it.
    const query = `TagshipProject="${project}"`;
    await page.goto(`${ui.origin}/namespaces/default/workflows?query=${encodeURIComponent(query)}`, { waitUntil: 'domcontentloaded' });
    const link = page.getByRole('link', { name: workflowId, exact: true });
    await link.first().waitFor();
    const listed = await page.locator('a[href*="/workflows/release%3A"]').evaluateAll((as) => [...new Set(as.map((a) => decodeURIComponent((a as HTMLAnchorElement).pathname.split('/')[4] ?? '')))]);
    assert.deepEqual(listed, [workflowId], 'the search attribute filter shows this release only');

    // Its page: the event history names the pipeline's steps and their summaries.
    await link.first().click();
    await page.waitForURL(new RegExp(`/workflows/${encodeURIComponent(workflowId)}/`));
    await page.goto(page.url().replace(/\/[a-z-]+$/, '/history'), { waitUntil: 'domcontentloaded' });
    // The compact view lists one row per step: its type and the summary tagship gave it.
    await page.getByRole('button', { name: 'Compact' }).click();
    const steps = [
      ['loadProject', 'load tagship.yml and pack the source'],
      ['runTestGate', 'test gate'],
      ['buildTarget', 'build t (amd64 generic on an amd64 machine)'],
    ] as const;
    await page.getByText(steps[2][1], { exact: true }).waitFor();
    const history = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
    const at = steps.map(([type, summary]) => {
      const i = history.indexOf(`${type} Summary ${summary}`);
      assert.ok(i >= 0, `the history shows step ${type} with its summary "${summary}"`);
      return i;
    });
    assert.deepEqual([...at].sort((a, b) => b - a), at, 'newest first: the build after the gate after loading');
    assert.match(history, /COMPLETED/, 'the release shows as completed');

    const dirOut = join(REPO_ROOT, 'test-artifacts');
    mkdirSync(dirOut, { recursive: true });
    const shot = join(dirOut, 'web-ui-release.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, 'a screenshot with content was saved');
    console.log(`screenshot: ${shot}; refused off-host requests to: ${[...new Set(offsite)].join(', ') || 'none'}`);
  } finally {
    await browser.close();
  }
});
