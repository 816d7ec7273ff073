import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

/**
 * Spans of the bridge's own work, through the OpenTelemetry API alone: without a registered SDK
 * (tracing off, the default) every call here is a no-op. Attributes carry ids and sids, never
 * message text, tokens or error messages.
 */
const tracer = trace.getTracer('flex-bridge');

export { SpanKind };

export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** Where the span hangs: the active context unless given (e.g. one read back from an outbox row). */
  readonly parent?: Context;
}

/** Runs `fn` in a span that ends when it settles; a throw marks the span failed (by error type) and is rethrown. */
export function inSpan<T>(name: string, opts: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes }, opts.parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute('error.type', errorType(err));
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The active trace as a W3C `traceparent`, to travel with an outbox row to whichever process delivers it. */
export function activeTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The context a stored `traceparent` (or an incoming request's headers) continues; a new trace without one. */
export function continuedContext(carrier: Record<string, unknown>): Context {
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** `DeliveryError`'s code or status (e.g. `429`, `ECONNRESET`), else the error's class: never its message. */
function errorType(err: unknown): string {
  const { code, status, name } = (err ?? {}) as { code?: unknown; status?: unknown; name?: unknown };
  const value = code ?? status ?? name;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : 'Error';
}
