import type { MessageEntity } from 'telegraf/types';

/**
 * The text as the agent needs it: a text link (`text_link`) hides its url behind words, and a mention
 * of a user without a username (`text_mention`) hides who it is (https://core.telegram.org/bots/api#messageentity);
 * both get their target after the words, `words (url)`. Offsets count UTF-16 code units, as JS strings do.
 */
export function withHiddenLinks(text: string, entities: readonly MessageEntity[] | undefined): string {
  const hidden = (entities ?? []).flatMap((entity) => {
    if (entity.type === 'text_link') return [{ end: entity.offset + entity.length, target: entity.url }];
    if (entity.type === 'text_mention') return [{ end: entity.offset + entity.length, target: `tg://user?id=${entity.user.id}` }];
    return [];
  });
  // From the end backwards, so the offsets before each insertion stay right.
  return hidden
    .sort((a, b) => b.end - a.end)
    .reduce((shown, { end, target }) => `${shown.slice(0, end)} (${target})${shown.slice(end)}`, text);
}

/**
 * A link preview may show a page the text does not name (`link_preview_options.url`,
 * https://core.telegram.org/bots/api#linkpreviewoptions): its url is added on a line of its own.
 */
export function withPreviewUrl(text: string, previewUrl: string | undefined): string {
  return previewUrl && !text.includes(previewUrl) ? `${text}\n🔗 ${previewUrl}` : text;
}
