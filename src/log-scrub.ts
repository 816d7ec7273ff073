const REDACTED = '[REDACTED]';

/**
 * JSON keys whose string value is a credential, at any depth: request headers (however a library
 * nests them: `headers`, `req.headers`, an HTTP client error's `config.headers`), and the
 * Bot API's `secret_token` parameter, which telegraf copies into its errors.
 */
const CREDENTIAL_KEY =
  /"(authorization|proxy-authorization|cookie|x-twilio-signature|x-telegram-bot-api-secret-token|secret_token|token|authToken|password|secret)"(\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@"]*:)[^\s/@"]+@/gi;

/** `scheme://user:password@host` → `scheme://user:[REDACTED]@host`, anywhere in `text`, even in a URL that does not parse. */
export function redactUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, `$1${REDACTED}@`);
}

/** Credentials recognisable by their shape, whether or not this process was told about them. */
const SHAPES: readonly [RegExp, string][] = [
  // A Telegram bot token in a Bot API path: /bot<id>:<secret>/method, /file/bot<id>:<secret>/path.
  [/\/bot\d+:[A-Za-z0-9_-]+/g, `/bot${REDACTED}`],
  // An HTTP credential written out: `Basic dXNlcjpwYXNz…`, `Bearer eyJ…`.
  [/\b(Basic|Bearer) [A-Za-z0-9+/=._~-]{16,}/g, `$1 ${REDACTED}`],
];

/**
 * Returns what a finished JSON log line becomes with every credential replaced by [REDACTED]: each
 * configured secret (as written, as JSON escapes it, and URL-encoded), credential-named fields, and
 * credential shapes. Working on the whole line covers the message, every field, child bindings and
 * errors nested at any depth, which pino's path-based `redact` cannot.
 */
export function logLineScrubber(secrets: readonly (string | undefined)[]): (line: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    // Shorter values would also match ordinary text.
    if (typeof secret !== 'string' || secret.length < 6) continue;
    forms.add(secret).add(JSON.stringify(secret).slice(1, -1)).add(encodeURIComponent(secret));
  }
  // Longest first, so a secret that contains another is replaced whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (line) => {
    let out = line;
    for (const form of ordered) if (out.includes(form)) out = out.split(form).join(REDACTED);
    out = out.replace(CREDENTIAL_KEY, `"$1"$2"${REDACTED}"`);
    for (const [shape, replacement] of SHAPES) out = out.replace(shape, replacement);
    return redactUrlPasswords(out);
  };
}
