import type { Update } from 'telegraf/types';
import { describe, expect, it } from 'vitest';
import { classifyUpdate } from '../../../adapters/telegram/to-inbound.js';

const from = { id: 42, is_bot: false, first_name: 'Ann', username: 'ann' };
const chat = { id: 42, type: 'private' as const, first_name: 'Ann' };
const message = (extra: object) => ({ update_id: 1, message: { message_id: 7, date: 1_700_000_000, chat, from, ...extra } }) as unknown as Update;
const edited = (extra: object) => ({ update_id: 2, edited_message: { message_id: 7, date: 1_700_000_000, edit_date: 1_700_000_060, chat, from, ...extra } }) as unknown as Update;
const textOf = (update: Update) => {
  const item = classifyUpdate(update);
  return item.kind === 'message' || item.kind === 'unsupported' ? item.message.text : item.kind;
};

describe('what a Telegram message stands in, for the agent', () => {
  it.each([
    [{ type: 'user', date: 1, sender_user: { id: 9, is_bot: false, first_name: 'Bob', last_name: 'Lee', username: 'boblee' } }, 'Bob Lee (@boblee)'],
    [{ type: 'hidden_user', date: 1, sender_user_name: 'Carol' }, 'Carol'],
    [{ type: 'chat', date: 1, sender_chat: { id: -1, type: 'group', title: 'Neighbours' } }, 'Neighbours'],
    [{ type: 'channel', date: 1, chat: { id: -2, type: 'channel', title: 'Parcel News' }, message_id: 3 }, 'Parcel News'],
  ])('names where a forward comes from (%j)', (origin, name) => {
    expect(textOf(message({ text: 'the tracking says delivered', forward_origin: origin }))).toBe(`↪️ Forwarded from ${name}\nthe tracking says delivered`);
  });

  it('gives the part of an earlier message the customer quoted, or the start of the message they answer', () => {
    const earlier = { message_id: 5, date: 1, chat, from: { id: 1, is_bot: true, first_name: 'Support' }, text: 'Which order number?' };
    expect(textOf(message({ text: '12345', reply_to_message: earlier }))).toBe('↩️ In reply to: “Which order number?”\n12345');
    expect(textOf(message({ text: 'yes', reply_to_message: earlier, quote: { text: 'order number', position: 6 } }))).toBe('↩️ In reply to: “order number”\nyes');
    const long = { ...earlier, text: `${'word '.repeat(60)}end` };
    expect(textOf(message({ text: 'ok', reply_to_message: long }))).toMatch(/^↩️ In reply to: “(word ){39}word…”\nok$/);
    expect(textOf(message({ text: 'this one', reply_to_message: { ...earlier, text: undefined, sticker: {} } }))).toBe('↩️ In reply to an earlier message\nthis one');
  });

  it('keeps the context on a photo without a caption, and on an edit', () => {
    const photo = [{ file_id: 'p1', file_unique_id: 'u1', width: 90, height: 90, file_size: 900 }];
    expect(textOf(message({ photo, forward_origin: { type: 'hidden_user', date: 1, sender_user_name: 'Carol' } }))).toBe('↪️ Forwarded from Carol');
    expect(textOf(edited({ text: 'fixed', forward_origin: { type: 'hidden_user', date: 1, sender_user_name: 'Carol' } }))).toBe('✏️ (edited) ↪️ Forwarded from Carol\nfixed');
  });

  it('passes on the first position of a live location and drops its updates, which come as edits', () => {
    const location = { latitude: 52.52, longitude: 13.405, live_period: 900 };
    expect(textOf(message({ location }))).toBe('📍 location 52.52, 13.405 (https://maps.google.com/?q=52.52,13.405) (shared live: its later positions are not passed on)');
    expect(classifyUpdate(edited({ location: { ...location, latitude: 52.53 } }))).toEqual({ kind: 'ignored', reason: 'live location update' });
  });
});
