import { InteractionResponseType, Routes, type APIActionRowComponent, type APIButtonComponentWithCustomId, type APIChannel, type APIMessage, type APIUser } from 'discord-api-types/v10';
import { DEFAULT_REST_TIMEOUTS, timeoutForUpload, type RestTimeouts } from './rest-timeouts.js';
import { TokenKeepingRest } from './token-keeping-rest.js';

/** Route prefixes of the calls a send makes: a rate limit on them is thrown to us instead of waited out. */
const SEND_ROUTES = ['/channels/', '/users/@me/channels'];
/** DM channel ids remembered per process; beyond this the oldest is forgotten (and asked for again). */
const MAX_CACHED_DMS = 10_000;

export interface DiscordRestSenderOptions {
  readonly timeouts?: RestTimeouts;
  /** Discord answered 401: the token was refused (the client keeps it, so a later call asks again). */
  readonly onTokenRefused?: () => void;
}

/**
 * Discord over REST alone (https://discord.com/developers/docs/resources/message#create-message): no gateway session, so every process can send, whether or
 * not it holds the gateway.
 */
export class DiscordRestSender {
  private readonly rest: TokenKeepingRest;
  private readonly dmChannels = new Map<string, string>();
  private readonly timeouts: RestTimeouts;

  constructor(apiBaseUrl: string, token: string, opts: DiscordRestSenderOptions = {}) {
    this.timeouts = opts.timeouts ?? DEFAULT_REST_TIMEOUTS;
    this.rest = new TokenKeepingRest(
      {
        api: apiBaseUrl,
        // Our delivery layer owns every wait and retry of a send, not discord.js's REST queue:
        // - a 429 (or the REST client knowing a bucket is exhausted) on a send route throws RateLimitError,
        //   which becomes a retryable DeliveryError carrying the retry-after; the outbox row waits in the
        //   store, not in memory, so a shutdown or a long global limit loses nothing. A 429 was not applied,
        //   so the later retry cannot double send.
        // - retries 0: the client would re-POST after a 5xx or a timeout, when Discord may already have
        //   created the message — an invisible double send. Such failures reach the delivery layer instead.
        rejectOnRateLimit: SEND_ROUTES,
        retries: 0,
        // The client's one timeout is the longest; each call brings its own (`signal`), by its size.
        timeout: this.timeouts.maxMs,
      },
      () => opts.onTokenRefused?.(),
    ).setToken(token);
  }

  /** `GET /users/@me`: proves the token and names the bot. */
  async botUser(): Promise<APIUser> {
    return (await this.rest.get(Routes.user(), { signal: this.deadline() })) as APIUser;
  }

  /**
   * Posts `content` (and a file, by multipart) into the user's DM and returns the message id. Agent text
   * never pings anyone. With a `nonce`, Discord answers a repeat within its nonce window ("the past few
   * minutes") with the message it already created instead of creating another; a repeat later than that
   * creates a second message. With `replyTo` it is a native reply to that message of the DM, or a plain
   * message when the message is gone (`fail_if_not_exists: false`, https://discord.com/developers/docs/resources/message#message-reference-structure).
   */
  async sendDm(
    userId: string,
    content: string,
    opts: {
      file?: { name: string; data: Buffer; contentType: string };
      nonce?: string;
      replyTo?: string;
      components?: APIActionRowComponent<APIButtonComponentWithCustomId>[];
    } = {},
  ): Promise<string> {
    const { file, nonce, replyTo, components } = opts;
    const channelId = await this.dmChannelOf(userId);
    const message = (await this.rest.post(Routes.channelMessages(channelId), {
      body: {
        content,
        allowed_mentions: { parse: [] },
        ...(nonce ? { nonce, enforce_nonce: true } : {}),
        ...(replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {}),
        ...(components ? { components } : {}),
      },
      signal: this.deadline(file?.data.length),
      ...(file ? { files: [file] } : {}),
    })) as APIMessage;
    return message.id;
  }

  /**
   * Answers a button click by taking the buttons off its message (UPDATE_MESSAGE), which also
   * acknowledges it (https://discord.com/developers/docs/interactions/receiving-and-responding#create-interaction-response).
   * The interaction's token authorizes it, not the bot's.
   */
  async answerClick(interactionId: string, token: string): Promise<void> {
    await this.rest.post(Routes.interactionCallback(interactionId, token), {
      body: { type: InteractionResponseType.UpdateMessage, data: { components: [] } },
      auth: false,
      signal: this.deadline(),
    });
  }

  /**
   * The url of one attachment of a message, signed anew, from Get Channel Message
   * (https://discord.com/developers/docs/resources/message#get-channel-message); a forward's files are
   * in its snapshot. Undefined when the message no longer has the attachment; a deleted message throws 404 10008.
   */
  async attachmentUrl(channelId: string, messageId: string, attachmentId: string): Promise<string | undefined> {
    const message = (await this.rest.get(Routes.channelMessage(channelId, messageId), { signal: this.deadline() })) as APIMessage;
    const files = [...message.attachments, ...(message.message_snapshots ?? []).flatMap((snapshot) => snapshot.message.attachments)];
    return files.find((file) => file.id === attachmentId)?.url;
  }

  /**
   * The user's DM channel, from `POST /users/@me/channels` (Discord answers with the existing DM, so it
   * is safe to repeat). Asking by user, never trusting a stored channel id, keeps a reply from going to
   * another user's DM.
   */
  private async dmChannelOf(userId: string): Promise<string> {
    const known = this.dmChannels.get(userId);
    if (known) return known;
    const channel = (await this.rest.post(Routes.userChannels(), { body: { recipient_id: userId }, signal: this.deadline() })) as APIChannel;
    if (this.dmChannels.size >= MAX_CACHED_DMS) this.dmChannels.delete(this.dmChannels.keys().next().value!);
    this.dmChannels.set(userId, channel.id);
    return channel.id;
  }

  private deadline(uploadBytes?: number): AbortSignal {
    return AbortSignal.timeout(uploadBytes === undefined ? this.timeouts.baseMs : timeoutForUpload(uploadBytes, this.timeouts));
  }
}
