// OpenTelemetry traces of releases: the SDK's OpenTelemetry interceptors carry one trace from a
// release workflow through its children and every activity (the workflow's headers hold the
// context), and workflow spans leave the sandbox through a sink. Interceptors are always in
// place, so every worker's workflows look the same to replay; spans are exported only when a
// span processor is given (TAGSHIP_TRACES_URL: OTLP over HTTP), and dropped otherwise.
import { createRequire } from 'node:module';
import { BasicTracerProvider, BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Resource } from '@opentelemetry/resources';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';

/** The workflow-side interceptors, as a module the workflow bundle includes. */
export const WORKFLOW_TRACING_MODULE = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

const resource = new Resource({ 'service.name': 'tagship-orchestrator' });

/** Spans sent to an OTLP/HTTP collector (e.g. http://collector:4318/v1/traces), batched. */
export function otlpSpanProcessor(url: string): SpanProcessor {
  return new BatchSpanProcessor(new OTLPTraceExporter({ url }));
}

/** The worker options that trace: interceptors (the workflow module only when the worker bundles
 *  the workflows itself; a prebuilt bundle carries it already) and the workflow spans' sink. With
 *  a processor, activity spans go to it too (as this process's tracer provider). `base`: the
 *  interceptors the worker has already (the liveness heartbeats), kept — they come first. */
export function tracingOptions(processor: SpanProcessor | undefined, bundled: boolean, base: NonNullable<WorkerOptions['interceptors']> = {}): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (processor) {
    const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
    // W3C trace context: how an activity finds the span of the workflow that scheduled it; the
    // context manager is what makes that span its parent.
    provider.register({ propagator: new W3CTraceContextPropagator(), contextManager: new AsyncLocalStorageContextManager().enable() });
  }
  return {
    interceptors: {
      ...base,
      ...(bundled ? {} : { workflowModules: [...(base.workflowModules ?? []), WORKFLOW_TRACING_MODULE] }),
      activity: [...(base.activity ?? []), (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
    },
    sinks: { exporter: makeWorkflowExporter(processor ?? new NoopSpanProcessor(), resource) },
  };
}
