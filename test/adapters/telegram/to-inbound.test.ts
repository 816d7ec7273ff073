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

  it("takes /start's deep-link payload, and nothing that no deep link could carry", () => {
    const payloadOf = (text: string) => {
      const item = classifyUpdate(message({ text }));
      return item.kind === 'command' ? (item.startPayload ?? null) : 'not a command';
    };
    expect(payloadOf('/start order_42')).toBe('order_42');
    expect(payloadOf('/start@flex_bridge_bot vip-Ab3')).toBe('vip-Ab3');
    expect(payloadOf('/start')).toBeNull();
    expect(payloadOf('/start ')).toBeNull();
    expect(payloadOf('/start two words')).toBeNull();
    expect(payloadOf(`/start ${'a'.repeat(65)}`)).toBeNull();
  });

  it("carries the customer's language_code as their language", () => {
    const item = classifyUpdate(message({ text: 'hallo', from: { ...from, language_code: 'de' } }));
    expect(item.kind === 'message' && item.message.language).toBe('de');
  });

  it('marks /end and /transcript (also addressed to the bot) as commands for the bridge, and nothing else', () => {
    const commandOf = (update: Update) => {
      const item = classifyUpdate(update);
      return item.kind === 'message' ? item.message.command : item.kind;
    };
    expect(commandOf(message({ text: '/end' }))).toBe('end');
    expect(commandOf(message({ text: '/end@flex_bridge_bot' }))).toBe('end');
    expect(commandOf(message({ text: '/TRANSCRIPT ' }))).toBe('transcript');
    expect(commandOf(message({ text: '/end now please' }))).toBeUndefined();
    expect(commandOf(message({ text: '/ending' }))).toBeUndefined();
    expect(commandOf(message({ text: 'end' }))).toBeUndefined();
    const edit = { update_id: 2, edited_message: { message_id: 7, date: 1, edit_date: 5, chat, from, text: '/end' } } as unknown as Update;
    expect(commandOf(edit)).toBeUndefined();
  });

  it('forwards an edit as a new, distinct message', () => {
    const update = { update_id: 2, edited_message: { message_id: 7, date: 1, edit_date: 5, chat, from, text: 'fixed' } } as unknown as Update;
    const item = classifyUpdate(update);
    expect(item.kind === 'message' && item.message).toMatchObject({ externalMessageId: '5012345678901:7:edit:5', text: '✏️ (edited) fixed' });
  });

  it('keeps the urls of text links in a caption, counting offsets in UTF-16 code units as Telegram does', () => {
    const photo = [{ file_id: 'p', file_unique_id: 'p', width: 1, height: 1 }];
    const caption_entities = [{ type: 'text_link', offset: 3, length: 7, url: 'https://shop.example/r/1' }];
    const item = classifyUpdate(message({ photo, caption: '😀 receipt', caption_entities }));
    expect(item.kind === 'message' && item.message.text).toBe('😀 receipt (https://shop.example/r/1)');
  });

  it('adds the url of a link preview only when the text does not have it', () => {
    const shown = (text: string) => {
      const item = classifyUpdate(message({ text, link_preview_options: { url: 'https://shop.example/a' } }));
      return item.kind === 'message' && item.message.text;
    };
    expect(shown('look')).toBe('look\n🔗 https://shop.example/a');
    expect(shown('look at https://shop.example/a')).toBe('look at https://shop.example/a');
  });

  it('carries the largest photo size as an attachment, with the caption as the text', () => {
    const photo = [
      { file_id: 'small', file_unique_id: 's', width: 90, height: 60, file_size: 1000 },
      { file_id: 'large', file_unique_id: 'l', width: 1280, height: 853, file_size: 90_000 },
      { file_id: 'medium', file_unique_id: 'm', width: 320, height: 213, file_size: 9000 },
    ];
    const item = classifyUpdate(message({ photo, caption: 'my receipt' }));
    expect(item.kind === 'message' && item.message).toMatchObject({
      text: 'my receipt',
      attachments: [{ kind: 'photo', ref: 'large', contentType: 'image/jpeg', size: 90_000 }],
    });
  });

  it('takes an animation as such, not as the document Telegram also sets', () => {
    const file = { file_id: 'gif', file_unique_id: 'g', file_name: 'fun.mp4', mime_type: 'video/mp4', file_size: 10 };
    const item = classifyUpdate(message({ animation: { ...file, width: 1, height: 1, duration: 1 }, document: file }));
    expect(item.kind === 'message' && item.message.attachments).toEqual([
      { kind: 'animation', ref: 'gif', fileName: 'fun.mp4', contentType: 'video/mp4', size: 10 },
    ]);
  });

  it('asks for a smaller file when one is over the 20 MB a bot may fetch, and tells the agent', () => {
    const item = classifyUpdate(message({ video: { file_id: 'v', file_unique_id: 'v', width: 1, height: 1, duration: 1, file_size: 25_000_000 }, caption: 'the noise' }));
    expect(item.kind).toBe('unsupported');
    if (item.kind !== 'unsupported') return;
    expect(item.why).toBe('file-too-big');
    expect(item.message.attachments).toEqual([]);
    expect(item.message.text).toBe('the noise\n[the customer sent a file of 23.8 MB, too big for a bot to fetch from Telegram (limit 20.0 MB); they were asked for a smaller one]');
  });

  it.each([
    [{ sticker: { file_id: 's', file_unique_id: 's', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false, emoji: '😀' } }, 'sticker 😀'],
    [{ location: { latitude: 52.52, longitude: 13.405 } }, '📍 location 52.52, 13.405 (https://maps.google.com/?q=52.52,13.405)'],
    [{ contact: { phone_number: '+4915112345678', first_name: 'Alice', last_name: 'Liddell' } }, '👤 contact Alice Liddell +4915112345678'],
    [{ poll: { id: 'p', question: 'Which day?', options: [{ text: 'Mon', voter_count: 0 }, { text: 'Tue', voter_count: 0 }] } }, '📊 poll: Which day?\n- Mon\n- Tue'],
  ])('makes %o readable text for the agent', (content, text) => {
    expect(classifyUpdate(message(content))).toMatchObject({ kind: 'message', message: { text, attachments: [] } });
  });

  it('ignores groups, bots and unknown update kinds', () => {
    expect(classifyUpdate(message({ text: 'x', chat: { id: -1, type: 'group', title: 'g' } })).kind).toBe('ignored');
    expect(classifyUpdate(message({ text: 'x', from: { ...from, is_bot: true } })).kind).toBe('ignored');
    expect(classifyUpdate({ update_id: 3, poll_answer: {} } as unknown as Update)).toEqual({ kind: 'ignored', reason: 'update kind poll_answer' });
  });
});
