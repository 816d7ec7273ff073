import { ChannelType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { classifyMessage, type DiscordMessageLike } from '../../../adapters/discord/to-inbound.js';

function message(overrides: Partial<DiscordMessageLike> = {}): DiscordMessageLike {
  return {
    id: '1400000000000000001',
    channelId: '1400000000000000002',
    guildId: null,
    channel: { type: ChannelType.DM },
    author: { id: '1100000000000000001', username: 'alice', globalName: null, bot: false },
    content: 'hello',
    createdAt: new Date('2026-11-25T10:00:00.000Z'),
    system: false,
    attachments: new Map(),
    stickers: new Map(),
    ...overrides,
  };
}

describe('classifyMessage', () => {
  it('carries a DM from a person', () => {
    expect(classifyMessage(message())).toEqual({
      kind: 'message',
      message: {
        network: 'discord',
        externalUserId: '1100000000000000001',
        externalChatId: '1400000000000000002',
        username: 'alice',
        displayName: 'alice',
        externalMessageId: '1400000000000000001',
        text: 'hello',
        attachments: [],
        sentAt: '2026-11-25T10:00:00.000Z',
      },
    });
  });

  it.each([
    ['from a bot', message({ author: { id: '1', username: 'bot', globalName: null, bot: true } })],
    ['guild message', message({ guildId: '1500000000000000001', channel: { type: ChannelType.GuildText } })],
    ['channel type 0', message({ channel: { type: ChannelType.GuildText } })],
    ['system message', message({ system: true })],
  ])('ignores a message %s', (reason, input) => {
    expect(classifyMessage(input)).toEqual({ kind: 'ignored', reason });
  });

  it('carries files as attachments, names stickers, and says when it knows nothing of a message', () => {
    const attachments = new Map([
      ['1', { name: 'clip.mp4', contentType: 'video/mp4', size: 10, url: 'https://cdn/clip.mp4' }],
      ['2', { name: 'note.ogg', contentType: 'audio/ogg', size: 5, url: 'https://cdn/note.ogg' }],
    ]);
    const withFiles = classifyMessage(message({ content: '', attachments }));
    const sticker = classifyMessage(message({ content: '', stickers: new Map([['1', {}]]) }));
    const empty = classifyMessage(message({ content: '' }));

    expect(withFiles).toMatchObject({
      message: {
        text: '',
        attachments: [
          { kind: 'video', fileName: 'clip.mp4', contentType: 'video/mp4', size: 10, ref: 'https://cdn/clip.mp4' },
          { kind: 'audio', fileName: 'note.ogg', contentType: 'audio/ogg', size: 5, ref: 'https://cdn/note.ogg' },
        ],
      },
    });
    expect(sticker).toMatchObject({ message: { text: 'sticker' } });
    expect(empty).toMatchObject({ message: { text: '[the customer sent a message of a kind the bridge does not know]' } });
  });
});
