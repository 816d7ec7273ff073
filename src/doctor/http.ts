const TIMEOUT_MS = 10_000;

export interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly ms: number;
}

/**
 * A request whose failure message names what went wrong (ECONNREFUSED, a timeout) but never the URL,
 * which for the Telegram Bot API holds the token.
 */
export async function request(url: string, init: RequestInit = {}): Promise<HttpAnswer> {
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw new Error(describeFetchError(err));
  }
  const text = await res.text();
  return { status: res.status, body: parseJson(text), ms: Math.round(performance.now() - started) };
}

function describeFetchError(err: unknown): string {
  if (err instanceof DOMException && err.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  return typeof cause?.message === 'string' ? cause.message : 'request failed';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
