// Traces of releases (issue 20): with a span processor, a release is one OpenTelemetry trace —
// the release workflow, its target child, the child's and the parent's activities — and another
// release is another trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { makeProject } from '../helpers/projects.ts';
import { startRelease } from '../../client/release.ts';

test('a release is one trace across its workflows and activities; the next release another', async () => {
  const exporter = new InMemorySpanExporter();
  const name = `traced-${uniqueSuffix()}`;
  const dir = makeProject([`project: ${name}`, 'testGate: { command: "true" }', 'targets:', '  - { name: t, arch: amd64, os: generic, build: ["mkdir -p out && echo x > out/x.txt"], artifacts: [out/*] }'].join('\n'), {});
  const traces = await withWorker(async ({ client, taskQueue }) => {
    const ids: string[] = [];
    for (const tag of ['v1.0.0', 'v1.0.1']) {
      const { handle } = await startRelease(client, { project: name, tag, projectDir: dir, taskQueue });
      await handle.result();
      ids.push(handle.workflowId);
    }
    return ids;
  }, { traces: new SimpleSpanProcessor(exporter) });

  const spans = exporter.getFinishedSpans();
  const byTrace = new Map<string, string[]>();
  for (const s of spans) byTrace.set(s.spanContext().traceId, [...(byTrace.get(s.spanContext().traceId) ?? []), s.name]);
  const releaseTraces = [...byTrace.values()].filter((names) => names.includes('RunWorkflow:release'));
  assert.equal(releaseTraces.length, traces.length, `one trace per release: ${JSON.stringify([...byTrace.values()].map((n) => n.slice(0, 4)))}`);
  assert.equal(byTrace.size, traces.length, 'no span of theirs outside their traces (an activity that lost its parent would start one)');
  for (const names of releaseTraces) {
    for (const want of ['RunWorkflow:release', 'StartActivity:loadProject', 'RunActivity:loadProject', 'RunActivity:runTestGate', 'StartChildWorkflow:buildTarget', 'RunWorkflow:buildTarget', 'RunActivity:createMachine', 'StartActivity:agentBuild', 'RunActivity:writeProvenance']) {
      assert.ok(names.includes(want), `${want} in the release's trace: ${[...new Set(names)].join(', ')}`);
    }
  }
});
