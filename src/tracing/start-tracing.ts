/**
 * Turns OpenTelemetry tracing on when the standard environment asks for it
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/): an
 * `OTEL_TRACES_EXPORTER` other than `none` (`otlp` or `console`), or an OTLP endpoint
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); `OTEL_SDK_DISABLED=true`
 * wins. Off, the SDK is never loaded. The OTLP exporter reads its own settings (endpoint, headers,
 * timeout) from the same environment; `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` name the
 * service (default `flex-bridge`).
 */
export function tracingWanted(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter) return exporter !== 'none';
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Registers the tracer provider when tracing is wanted; resolves to its shutdown (which flushes), or undefined. */
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<(() => Promise<void>) | undefined> {
  if (!tracingWanted(env)) return undefined;
  const [{ BatchSpanProcessor, ConsoleSpanExporter, NodeTracerProvider }, { OTLPTraceExporter }, resources] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const exporter = env.OTEL_TRACES_EXPORTER?.trim() === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter();
  const resource = resources
    .resourceFromAttributes({ 'service.name': 'flex-bridge' })
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.register();
  return () => provider.shutdown();
}
