import { afterEach, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../adapters/telegram/telegram-adapter.js';
import type { AutoReplySink, InboundSink } from '../../src/core/chat-adapter.js';
import type { Config } from '../../src/config.js';
import type { Logger } from '../../src/log.js';
import { startHarness, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';

const ANN = { id: 11, username: 'ann', first_name: 'Ann' };
const BOB = { id: 12, username: 'bob', first_name: 'Bob' };
const GREETING = 'Welcome to ACME support!';

/** The real adapter, whose first attempt to store `text` fails, as with a database that is briefly away. */
class StoreFailsOnceAdapter extends TelegramAdapter {
  constructor(
    opts: ConstructorParameters<typeof TelegramAdapter>[0],
    private readonly text: string,
  ) {
    super(opts);
  }

  override start(sink: InboundSink, replies: AutoReplySink): Promise<void> {
    let failed = false;
    return super.start(async (msg) => {
      if (!failed && msg.text === this.text) {
        failed = true;
        throw new Error('database unreachable');
      }
      await sink(msg);
    }, replies);
  }
}

const storeFailsOnceFor = (text: string) => (config: Config, log: Logger) => [
  new StoreFailsOnceAdapter(
    {
      token: config.TELEGRAM_BOT_TOKEN as string,
      apiRoot: config.TELEGRAM_API_ROOT,
      mode: config.TELEGRAM_MODE,
      publicBaseUrl: config.PUBLIC_BASE_URL,
      texts: (key) => config[key],
      log,
    },
    text,
  ),
];

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

describe('the answers the bridge gives by itself on Telegram', () => {
  it('greets /start once when its batch failed to store and is fetched again', async () => {
    h = await startHarness({ TELEGRAM_GREETING: GREETING }, undefined, storeFailsOnceFor('is my parcel lost?'));
    h.telegram.addUser(ANN);
    h.telegram.addUser(BOB);
    // One batch: Bob's message fails to store, so the offset stays before it and Ann's /start comes again.
    h.telegram.userSends(BOB.id, 'is my parcel lost?');
    h.telegram.userSends(ANN.id, '/start');
    const sid = await eventually(() => h.twilio.conversations()[0]?.sid, "Bob's conversation");
    await eventually(() => h.twilio.messages(sid).length === 1, "Bob's message in Flex, after the batch came again");
    await eventually(() => h.telegram.pendingUpdates === 0, 'the batch confirmed: both updates handled');

    // Ann's replies go out one at a time in order: a second greeting would come before this answer.
    h.telegram.userSends(ANN.id, { story: { chat: { id: 9, type: 'private' }, id: 1 } } as never);
    const messages = await h.telegram.waitForMessages(ANN.id, 2);
    expect(messages.map((m) => m.text)).toEqual([GREETING, expect.stringMatching(/cannot pass this kind of message/)]);
  });
});
