import { REST, type RESTOptions } from '@discordjs/rest';

/**
 * A REST client that keeps its token after a 401. @discordjs/rest answers any 401 with
 * `setToken(null)`, after which every call fails locally ("Expected token to be set…") without
 * reaching Discord, so a transient 401 would need a restart. This one keeps the token, reports the
 * refusal, and the next call asks Discord again.
 */
export class TokenKeepingRest extends REST {
  constructor(
    options: Partial<RESTOptions>,
    private readonly onRefused: () => void,
  ) {
    super(options);
  }

  override setToken(token: string | null): this {
    if (token === null) {
      this.onRefused();
      return this;
    }
    return super.setToken(token);
  }
}
