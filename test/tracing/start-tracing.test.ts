import { describe, expect, it } from 'vitest';
import { startTracing, tracingWanted } from '../../src/tracing/start-tracing.js';

describe('tracingWanted (the standard OTEL_* environment)', () => {
  it.each([
    [{}, false],
    [{ OTEL_TRACES_EXPORTER: 'none' }, false],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, true],
    [{ OTEL_TRACES_EXPORTER: 'console' }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }, false],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }, false],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'false' }, true],
  ])('%j → %s', (env, wanted) => {
    expect(tracingWanted(env)).toBe(wanted);
  });

  it('leaves tracing off, loading no SDK, when nothing asks for it', async () => {
    expect(await startTracing({})).toBeUndefined();
  });
});
