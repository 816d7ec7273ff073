import { invalidParameter } from './errors.js';
import { formValue, type FormParams } from './form-body.js';

export interface ListRequest {
  /** The Twilio host the request was for, e.g. `conversations.twilio.com`. */
  host: string;
  /** The path below the host, e.g. `/v1/Conversations/CH…/Messages`. */
  path: string;
  query: FormParams;
}

const PAGING_KEYS = new Set(['PageSize', 'Page', 'PageToken']);
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/**
 * One page of a Twilio list response: `{ [key]: items, meta }`. Page URLs are absolute `https://{host}`
 * URLs, as Twilio returns them; twilio-node follows `next_page_url` through its (rewriting) HTTP client.
 */
export function pageOf<T>(items: readonly T[], request: ListRequest, key: string, render: (item: T) => unknown) {
  const pageSize = intParam(request.query, 'PageSize', DEFAULT_PAGE_SIZE, 1);
  if (pageSize > MAX_PAGE_SIZE) throw invalidParameter('PageSize', `at most ${MAX_PAGE_SIZE}`);
  const page = intParam(request.query, 'Page', 0, 0);
  const token = formValue(request.query, 'PageToken');
  const offset = token === undefined ? page * pageSize : offsetOf(token);

  const filters = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query)) {
    if (PAGING_KEYS.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) filters.append(name, v);
  }
  const pageUrl = (pageNumber: number, pageOffset: number) => {
    const query = new URLSearchParams(filters);
    query.set('PageSize', String(pageSize));
    query.set('Page', String(pageNumber));
    if (pageOffset > 0) query.set('PageToken', tokenFor(pageOffset));
    return `https://${request.host}${request.path}?${query.toString()}`;
  };

  return {
    [key]: items.slice(offset, offset + pageSize).map(render),
    meta: {
      page,
      page_size: pageSize,
      first_page_url: pageUrl(0, 0),
      previous_page_url: page > 0 ? pageUrl(page - 1, Math.max(0, offset - pageSize)) : null,
      url: pageUrl(page, offset),
      next_page_url: offset + pageSize < items.length ? pageUrl(page + 1, offset + pageSize) : null,
      key,
    },
  };
}

function intParam(query: FormParams, name: string, fallback: number, min: number): number {
  const value = formValue(query, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) throw invalidParameter(name, `expected an integer >= ${min}`);
  return parsed;
}

/** Page tokens are opaque to clients; here they carry the offset of the page's first item. */
function tokenFor(offset: number): string {
  return `PT${offset}`;
}

function offsetOf(token: string): number {
  const match = /^PT(\d+)$/.exec(token);
  if (!match) throw invalidParameter('PageToken', 'unknown page token');
  return Number(match[1]);
}
