import type { IncomingHttpHeaders } from 'node:http';
import type { FormParams } from './form-body.js';

/** One API request as the emulator received it. */
export interface RequestRecord {
  id: number;
  at: Date;
  method: string;
  /** The Twilio host: the first path segment of the emulator URL. */
  host: string;
  /** The path below the host, without the query string. */
  path: string;
  query: FormParams;
  headers: IncomingHttpHeaders;
  /** The form parameters of the body. */
  params: FormParams;
  authorized: boolean;
  /** The injected fault the request met: failed (before or after it was carried out), never answered, or carried out and never answered. */
  fault: 'fail' | 'fail-after-apply' | 'hang' | 'hang-after-apply' | null;
}

/** `/conversations.twilio.com/v1/Conversations?PageSize=1` → host and path below it. */
export function splitEmulatorPath(url: string): { host: string; path: string } {
  const pathname = url.split('?', 1)[0] ?? '';
  const secondSlash = pathname.indexOf('/', 1);
  if (secondSlash === -1) return { host: pathname.slice(1), path: '/' };
  return { host: pathname.slice(1, secondSlash), path: pathname.slice(secondSlash) };
}
