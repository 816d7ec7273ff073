import { MalformedWebhookError, type WebhookParams } from './backend.js';

export function optionalField(params: WebhookParams, name: string): string | undefined {
  const value = params[name];
  if (Array.isArray(value)) throw new MalformedWebhookError(`${name} appears more than once`);
  return value;
}

export function field(params: WebhookParams, name: string): string {
  const value = optionalField(params, name);
  if (value === undefined || value === '') throw new MalformedWebhookError(`${name} is missing`);
  return value;
}

/** A message's `Index` in its chat, when the webhook carries one. */
export function indexOf(params: WebhookParams): number | undefined {
  const raw = optionalField(params, 'Index');
  if (raw === undefined) return undefined;
  const index = Number(raw);
  if (!Number.isInteger(index) || index < 0) throw new MalformedWebhookError(`Index is not a non-negative integer`);
  return index;
}
