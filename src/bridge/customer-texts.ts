/** Texts by the setting that holds them (`CHAT_OPENED_NOTICE`, …); undefined: switched off. */
export type TextSet = Readonly<Record<string, string | undefined>>;

/**
 * What the bridge tells a customer by itself, in their language where the operator gave one: the
 * settings are the texts for every other language. Networks name languages by BCP 47 tags (Telegram's
 * `language_code`, Discord's `locale`: `pt-br`, `pt-BR`); a tag without texts of its own falls back
 * to its primary language (`pt`).
 */
export class CustomerTexts {
  private readonly byLanguage: ReadonlyMap<string, TextSet>;

  constructor(
    private readonly defaults: TextSet,
    byLanguage: ReadonlyMap<string, TextSet> = new Map(),
  ) {
    this.byLanguage = new Map([...byLanguage].map(([tag, texts]) => [tag.toLowerCase(), texts]));
  }

  text(key: string, language?: string | null): string | undefined {
    for (const tag of fallbacksOf(language)) {
      const texts = this.byLanguage.get(tag);
      if (texts && key in texts) return texts[key];
    }
    return this.defaults[key];
  }
}

function fallbacksOf(language: string | null | undefined): string[] {
  if (!language) return [];
  const tag = language.toLowerCase().replaceAll('_', '-');
  const primary = tag.split('-')[0] as string;
  return primary === tag ? [tag] : [tag, primary];
}
