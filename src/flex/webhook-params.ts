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
