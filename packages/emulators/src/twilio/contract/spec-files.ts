import { readFileSync } from 'node:fs';
import type { SpecDocument } from '../../shared/openapi-operations.js';

/**
 * The file of Twilio's OpenAPI definitions (https://github.com/twilio/twilio-oai, `spec/json/`) that
 * describes each host the emulator serves. The Media Content Service (`mcs.us1.twilio.com`) has none:
 * twilio-oai does not describe it, so its requests are not checked.
 */
export const SPEC_FILE_OF_HOST: Readonly<Record<string, string>> = {
  'conversations.twilio.com': 'twilio_conversations_v1.json',
  'flex-api.twilio.com': 'twilio_flex_v1.json',
  'taskrouter.twilio.com': 'twilio_taskrouter_v1.json',
  'chat.twilio.com': 'twilio_chat_v2.json',
};

/** What the subsets leave out: prose, samples and Twilio's generator hints, which no check reads. */
export const TWILIO_OMITTED_KEYS: readonly string[] = ['description', 'summary', 'examples', 'example', 'tags', 'x-twilio', 'title'];

/** The committed subset for `host` (src/twilio/spec/), or undefined for a host twilio-oai does not describe. */
export function loadSpecOfHost(host: string): SpecDocument | undefined {
  const file = SPEC_FILE_OF_HOST[host];
  if (file === undefined) return undefined;
  return JSON.parse(readFileSync(new URL(`../spec/${file}`, import.meta.url), 'utf8')) as SpecDocument;
}
