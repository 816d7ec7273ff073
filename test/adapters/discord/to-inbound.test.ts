import { ChannelType, MessageReferenceType, MessageType, StickerFormatType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { encodeAttachmentRef } from '../../../adapters/discord/attachment-ref.js';
import { classifyEdit, classifyMessage, type DiscordMessageLike } from '../../../adapters/discord/to-inbound.js';

function message(overrides: Partial<DiscordMessageLike> = {}): DiscordMessageLike {
  return {
    id: '1400000000000000001',
    channel_id: '1400000000000000002',
    channel_type: ChannelType.DM,
    author: { id: '1100000000000000001', username: 'alice', global_name: null },
    content: 'hello',
    timestamp: '2026-11-25T10:00:00.000000+00:00',
    type: MessageType.Default,
    attachments: [],
    ...overrides,
  };
}

/** The ref of an attachment of `message()`: its url, and its message in its DM channel, where Discord signs the url anew. */
function refOf(url: string, attachmentId: string): string {
  return encodeAttachmentRef({ url, source: { channelId: '1400000000000000002', messageId: '1400000000000000001', attachmentId } });
}

describe('customer commands', () => {
  const commandOf = (item: ReturnType<typeof classifyMessage>) => (item.kind === 'message' ? item.message.command : item.kind);

  it('marks !end and !transcript as commands for the bridge, whatever their case', () => {
    expect(commandOf(classifyMessage(message({ content: '!end' })))).toBe('end');
    expect(commandOf(classifyMessage(message({ content: ' !Transcript ' })))).toBe('transcript');
    expect(commandOf(classifyMessage(message({ content: '!end of story' })))).toBeUndefined();
    expect(commandOf(classifyMessage(message({ content: '/end' })))).toBeUndefined();
  });

  it('takes no command from an edit: what a message says when sent is what acts', () => {
    expect(commandOf(classifyEdit({ ...message({ content: '!end' }), edited_timestamp: '2026-11-25T10:01:00.000000+00:00' }))).toBeUndefined();
  });
});

describe('classifyMessage', () => {
  it('puts the start of the message a reply answers before it, or says it answers one since deleted', () => {
    const reference = { type: MessageReferenceType.Default, channel_id: '1400000000000000002', message_id: '1400000000000000000' };
    const reply = (referenced: DiscordMessageLike['referenced_message']) =>
      classifyMessage(message({ type: MessageType.Reply, content: 'yes, that one', message_reference: reference, referenced_message: referenced }));
    expect(reply({ content: 'x'.repeat(300) })).toMatchObject({ message: { text: `↩️ In reply to: “${'x'.repeat(200)}…”\nyes, that one` } });
    expect(reply(null)).toMatchObject({ message: { text: '↩️ In reply to an earlier message\nyes, that one' } });
  });

  it('carries the urls of a message that has embeds and no text of its own', () => {
    const embeds = [{ url: 'https://shop.example/item/7' }, {}, { url: 'https://shop.example/item/8' }];
    expect(classifyMessage(message({ content: '', embeds }))).toMatchObject({ message: { text: 'https://shop.example/item/7\nhttps://shop.example/item/8' } });
    expect(classifyMessage(message({ content: 'look', embeds }))).toMatchObject({ message: { text: 'look' } });
  });

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

  it('carries a reply, and a DM whose event does not name the channel type', () => {
    expect(classifyMessage(message({ type: MessageType.Reply })).kind).toBe('message');
    expect(classifyMessage(message({ channel_type: undefined })).kind).toBe('message');
  });

  it.each([
    ['from a bot', message({ author: { id: '1', username: 'bot', global_name: null, bot: true } })],
    ['guild message', message({ guild_id: '1500000000000000001', channel_type: ChannelType.GuildText })],
    ['channel type 3', message({ channel_type: ChannelType.GroupDM })],
    ['system message', message({ type: MessageType.ChannelPinnedMessage })],
  ])('ignores a message %s', (reason, input) => {
    expect(classifyMessage(input)).toEqual({ kind: 'ignored', reason });
  });

  it('carries files as attachments, names stickers, and says when it knows nothing of a message', () => {
    const file = { proxy_url: 'https://media/x' };
    const attachments = [
      { ...file, id: '1', filename: 'clip.mp4', content_type: 'video/mp4', size: 10, url: 'https://cdn/clip.mp4' },
      { ...file, id: '2', filename: 'note.ogg', content_type: 'audio/ogg', size: 5, url: 'https://cdn/note.ogg' },
      { ...file, id: '3', filename: 'blob', size: 1, url: 'https://cdn/blob' },
    ];
    const withFiles = classifyMessage(message({ content: '', attachments }));
    const sticker = classifyMessage(message({ content: '', sticker_items: [{ id: '1', name: 'wave', format_type: StickerFormatType.PNG }] }));
    const empty = classifyMessage(message({ content: '' }));

    expect(withFiles).toMatchObject({
      message: {
        text: '',
        attachments: [
          { kind: 'video', fileName: 'clip.mp4', contentType: 'video/mp4', size: 10, ref: refOf('https://cdn/clip.mp4', '1') },
          { kind: 'audio', fileName: 'note.ogg', contentType: 'audio/ogg', size: 5, ref: refOf('https://cdn/note.ogg', '2') },
          { kind: 'file', fileName: 'blob', size: 1, ref: refOf('https://cdn/blob', '3') },
        ],
      },
    });
    expect(sticker).toMatchObject({ message: { text: 'sticker' } });
    expect(empty).toMatchObject({ message: { text: '[the customer sent a message of a kind the bridge does not know]' } });
  });

  it('reads a forward from its snapshot, since the forward itself has no content', () => {
    const forward = message({
      content: '',
      message_reference: { type: MessageReferenceType.Forward, channel_id: '1', message_id: '2' },
      message_snapshots: [{ message: { content: 'the courier said Tuesday', attachments: [] } }],
    });
    const item = classifyMessage(forward);
    expect(item.kind === 'message' && item.message.text).toBe('↪️ Forwarded message\nthe courier said Tuesday');
    // A reply's reference (type Default) is no forward.
    const reply = message({ message_reference: { type: MessageReferenceType.Default, channel_id: '1', message_id: '2' } });
    const replied = classifyMessage(reply);
    expect(replied.kind === 'message' && replied.message.text).toBe('hello');
  });

  it('passes on an edit as a message of its own, keyed by the edit, without its files', () => {
    const file = { id: '9', filename: 'a.png', size: 3, url: 'https://cdn.example/a.png', proxy_url: 'https://cdn.example/a.png', content_type: 'image/png' };
    const edit = classifyEdit({ ...message({ content: 'fixed typo', attachments: [file] }), edited_timestamp: '2026-11-25T10:05:00.000000+00:00' });
    expect(edit.kind === 'message' && edit.message).toMatchObject({
      externalMessageId: '1400000000000000001:edit:2026-11-25T10:05:00.000000+00:00',
      text: '✏️ (edited) fixed typo',
      attachments: [],
    });
    expect(classifyEdit({ ...message(), edited_timestamp: null })).toEqual({ kind: 'ignored', reason: 'an update that is no edit' });
  });
});
