import type { Logger } from 'pino';

/**
 * Whether Discord refused the bot token (a 401) and has not accepted it since. While it has, sends
 * are not tried (each would be another invalid request, which Discord counts toward a ban) and the
 * token is asked about again every `recheckMs`, so a passing 401 needs no restart.
 */
export class TokenWatch {
  private refusedNow = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    /** Resolves when Discord accepts the token (`GET /users/@me`). */
    private readonly check: () => Promise<unknown>,
    readonly recheckMs: number,
    private readonly log: Logger,
  ) {}

  get refused(): boolean {
    return this.refusedNow;
  }

  onRefused(): void {
    if (this.refusedNow || this.stopped) return;
    this.refusedNow = true;
    this.log.error({ recheckMs: this.recheckMs }, 'Discord refused the bot token (401); replies wait until it is accepted again');
    this.scheduleCheck();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private scheduleCheck(): void {
    this.timer = setTimeout(() => void this.checkAgain(), this.recheckMs);
    this.timer.unref();
  }

  private async checkAgain(): Promise<void> {
    try {
      await this.check();
      this.refusedNow = false;
      this.log.info('Discord accepts the bot token again; replies go on');
    } catch {
      if (!this.stopped) this.scheduleCheck();
    }
  }
}
