import { describe, expect, it } from 'vitest';
import { MalformedWebhookError } from '../../src/flex/backend.js';
import { chatMessageMediaOf } from '../../src/flex/legacy-chat-media.js';

const SID = `ME${'a1'.repeat(16)}`;

describe('chatMessageMediaOf: the file of a Programmable Chat onMessageSent', () => {
  it('reads MediaSid with its content type, file name and size', () => {
    const params = { MediaSid: SID, MediaContentType: 'application/pdf', MediaFilename: 'terms.pdf', MediaSize: '2048' };
    expect(chatMessageMediaOf(params)).toEqual([{ sid: SID, contentType: 'application/pdf', fileName: 'terms.pdf', size: 2048 }]);
  });

  it('needs only MediaSid: an unknown type and size, no file name', () => {
    expect(chatMessageMediaOf({ MediaSid: SID })).toEqual([{ sid: SID, contentType: 'application/octet-stream', size: 0 }]);
  });

  it('finds no file in a text message', () => {
    expect(chatMessageMediaOf({ Body: 'hello' })).toEqual([]);
    expect(chatMessageMediaOf({ Body: 'hello', MediaSid: '' })).toEqual([]);
  });

  it('takes a Conversations-style Media JSON array when there is no MediaSid', () => {
    const Media = JSON.stringify([{ Sid: SID, ContentType: 'image/png', Filename: 'chart.png', Size: 10 }]);
    expect(chatMessageMediaOf({ Media })).toEqual([{ sid: SID, contentType: 'image/png', fileName: 'chart.png', size: 10 }]);
  });

  it.each([
    ['a MediaSid that is not a media SID', { MediaSid: 'IM0123456789abcdef0123456789abcdef' }, /MediaSid/],
    ['a MediaSize that is not a number of bytes', { MediaSid: SID, MediaSize: '-3' }, /MediaSize/],
    ['MediaSid twice', { MediaSid: [SID, SID] }, /more than once/],
    ['a Media that is not JSON', { Media: '[{' }, /Media is not JSON/],
  ])('refuses %s as malformed', (_what, params, message) => {
    expect(() => chatMessageMediaOf(params)).toThrow(MalformedWebhookError);
    expect(() => chatMessageMediaOf(params)).toThrow(message);
  });
});
