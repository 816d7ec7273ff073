import { describe, expect, it } from 'vitest';
import { CustomerTexts } from '../../src/bridge/customer-texts.js';

const texts = new CustomerTexts(
  { CHAT_OPENED_NOTICE: 'We got your message.', CHAT_ENDED_NOTICE: 'This chat has ended.' },
  new Map([
    ['pt', { CHAT_OPENED_NOTICE: 'Recebemos sua mensagem.' }],
    ['pt-BR', { CHAT_ENDED_NOTICE: 'A conversa foi encerrada.' }],
    ['de', { CHAT_ENDED_NOTICE: undefined }],
  ]),
);

describe('CustomerTexts', () => {
  it('gives the text of the customer’s language, whatever the case of its tag', () => {
    expect(texts.text('CHAT_OPENED_NOTICE', 'pt')).toBe('Recebemos sua mensagem.');
    expect(texts.text('CHAT_ENDED_NOTICE', 'PT-br')).toBe('A conversa foi encerrada.');
    expect(texts.text('CHAT_ENDED_NOTICE', 'pt_BR')).toBe('A conversa foi encerrada.');
  });

  it('falls back from a regional tag to its primary language, then to the setting', () => {
    expect(texts.text('CHAT_OPENED_NOTICE', 'pt-br')).toBe('Recebemos sua mensagem.');
    expect(texts.text('CHAT_OPENED_NOTICE', 'pt-pt')).toBe('Recebemos sua mensagem.');
    expect(texts.text('CHAT_ENDED_NOTICE', 'pt-pt')).toBe('This chat has ended.');
    expect(texts.text('CHAT_OPENED_NOTICE', 'fr')).toBe('We got your message.');
    expect(texts.text('CHAT_OPENED_NOTICE', undefined)).toBe('We got your message.');
    expect(texts.text('CHAT_OPENED_NOTICE', null)).toBe('We got your message.');
  });

  it('keeps a text switched off in one language off there only', () => {
    expect(texts.text('CHAT_ENDED_NOTICE', 'de')).toBeUndefined();
    expect(texts.text('CHAT_ENDED_NOTICE', 'de-at')).toBeUndefined();
    expect(texts.text('CHAT_OPENED_NOTICE', 'de')).toBe('We got your message.');
  });
});
