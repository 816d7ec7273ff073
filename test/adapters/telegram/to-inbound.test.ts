import type { Update } from 'telegraf/types';
import { describe, expect, it } from 'vitest';
import { classifyUpdate } from '../../../adapters/telegram/to-inbound.js';

const from = { id: 5012345678901, is_bot: false, first_name: 'Ann', username: 'ann' };
const chat = { id: 5012345678901, type: 'private' as const, first_name: 'Ann' };
const message = (extra: object) => ({ update_id: 1, message: { message_id: 7, date: 1_700_000_000, chat, from, ...extra } }) as unknown as Update;

describe('classifyUpdate', () => {
  it('normalizes a private text message, keeping ids above 2^32 as strings', () => {
    const item = classifyUpdate(message({ text: 'hi' }));
    expect(item).toEqual({
      kind: 'message',
      message: {
        network: 'telegram',
        externalUserId: '5012345678901',
        externalChatId: '5012345678901',
        username: 'ann',
        displayName: 'Ann',
        externalMessageId: '5012345678901:7',
        text: 'hi',
        attachments: [],
        sentAt: '2023-11-14T22:13:20.000Z',
      },
    });
  });

  it('recognizes /start, also addressed to the bot', () => {
    expect(classifyUpdate(message({ text: '/start' })).kind).toBe('command');
    expect(classifyUpdate(message({ text: '/start@flex_bridge_bot payload' })).kind).toBe('command');
    expect(classifyUpdate(message({ text: '/started' })).kind).toBe('message');
  });

  it('forwards an edit as a new, distinct message', () => {
    const update = { update_id: 2, edited_message: { message_id: 7, date: 1, edit_date: 5, chat, from, text: 'fixed' } } as unknown as Update;
    const item = classifyUpdate(update);
    expect(item.kind === 'message' && item.message).toMatchObject({ externalMessageId: '5012345678901:7:edit:5', text: '✏️ (edited) fixed' });
  });

  it('describes content it cannot carry, with the caption', () => {
    const item = classifyUpdate(message({ photo: [{ file_id: 'x' }], caption: 'my receipt' }));
    expect(item.kind === 'unsupported' && item.message.text).toBe('[the customer sent a photo, which this bridge cannot carry yet: my receipt]');
  });

  it('ignores groups, bots and unknown update kinds', () => {
    expect(classifyUpdate(message({ text: 'x', chat: { id: -1, type: 'group', title: 'g' } })).kind).toBe('ignored');
    expect(classifyUpdate(message({ text: 'x', from: { ...from, is_bot: true } })).kind).toBe('ignored');
    expect(classifyUpdate({ update_id: 3, poll_answer: {} } as unknown as Update)).toEqual({ kind: 'ignored', reason: 'update kind poll_answer' });
  });
});
