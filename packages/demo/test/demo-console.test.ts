import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../src/start-demo.js';
import type { DemoMode } from '../src/views.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
// UPDATE_SCREENSHOT=1 refreshes the README's pictures; otherwise each run leaves them in test/.artifacts.
const screenshotPath = (name: string) =>
  fileURLToPath(new URL(process.env.UPDATE_SCREENSHOT === '1' ? `../../../docs/${name}` : `../../../test/.artifacts/${name}`, import.meta.url));
const SCREENSHOT = screenshotPath('console.png');
const TIMEOUT_MS = 30_000;

function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The browser test needs Chromium at ${CHROMIUM}: install it with \`apt-get install chromium\` (.ci/run does).`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** The real demo (emulators, bridge, console) in a Flex mode, and a browser page on its console. */
function useConsole(mode: DemoMode = 'conversations'): { page: () => Page } {
  let demo: RunningDemo | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
    demo = await startDemo({ mode, port: 0, logLevel: 'silent' });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(10_000);
    await page.goto(demo.consoleUrl);
    await page.locator('#live[data-state="live"]').waitFor();
  }, TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  }, TIMEOUT_MS);
  return {
    page: () => {
      if (!page) throw new Error('the console page did not open');
      return page;
    },
  };
}

async function writeAsCustomer(page: Page, handle: string, text: string): Promise<void> {
  const input = page.getByRole('textbox', { name: `Message as ${handle}` });
  await input.fill(text);
  await input.press('Enter');
}

async function writeAsAgent(page: Page, text: string): Promise<void> {
  await page.locator('#agent-input:not([disabled])').fill(text);
  await page.locator('#agent-input').press('Enter');
}

/** Waits for the customer's next task and accepts it; returns its SID. */
async function acceptTask(page: Page, handle: string): Promise<string> {
  const task = page.locator(`[data-task][data-handle="${handle}"][data-status="pending"]`);
  await task.waitFor();
  const sid = (await task.getAttribute('data-task')) as string;
  await task.getByRole('button', { name: 'Accept' }).click();
  await page.locator(`[data-task="${sid}"][data-status="accepted"]`).waitFor();
  return sid;
}

const flow = (page: Page, kind: string, subject: string, status: string) =>
  page.locator(`[data-flow-kind="${kind}"][data-subject="${subject}"][data-status="${status}"]`);

const customers = [
  // `context`: the task's attributes about the customer the desk shows: the demo's own `brand`, and the language Telegram names.
  { network: 'Telegram', handle: 'telegram:maria', question: 'Where is my order #1042?', answer: 'It arrives tomorrow, Maria.', context: ['acme', 'en'] },
  { network: 'Discord', handle: 'discord:sam', question: 'Can I change my address?', answer: 'Yes, Sam: tell me the new one.', context: ['acme'] },
];

/** Customer → task named by the handle → accept → answer → reply arrives → end chat → the next message opens a new task. */
async function roundTrip(p: Page, { network, handle, question, answer, context }: (typeof customers)[number]): Promise<void> {
  await writeAsCustomer(p, handle, question);
  const firstTask = await acceptTask(p, handle);
  await p.locator('#chat-lines .flex-line.customer', { hasText: question }).waitFor();
  await expect.poll(async () => (await p.locator('#task-context dd').allTextContents()).sort()).toEqual(context);

  await writeAsAgent(p, answer);
  await p.locator(`[data-customer="${handle}"] .bubble.bot`, { hasText: answer }).waitFor();

  const inbound = flow(p, 'inbound', handle, 'done').filter({ hasText: question });
  await expect.poll(() => inbound.locator('.chip').allTextContents()).toEqual([network, 'stored', 'Flex', 'Flex', 'delivered']);
  // Twilio reports the webhook once the bridge's answer is in, which may be after the reply reached the customer.
  const outbound = flow(p, 'outbound', handle, 'done').filter({ hasText: answer });
  const outboundChips = async () => (await outbound.locator('.chip').allTextContents()).sort();
  await expect.poll(outboundChips).toEqual([network, 'Flex', 'delivered', 'webhook'].sort());

  await p.locator('#end-chat').click();
  await p.locator(`[data-task="${firstTask}"][data-status="wrapping"]`).waitFor();
  // Done once the bridge has answered Twilio's "the chat ended" webhook, i.e. ended the mapping.
  await flow(p, 'ended', handle, 'done').waitFor();

  // The satisfaction survey: rating buttons under the question; pressing one answers it and takes them off.
  const ratings = p.locator(`[data-customer="${handle}"] .bot-buttons button`);
  await expect.poll(() => ratings.allTextContents()).toEqual(['⭐', '⭐⭐', '⭐⭐⭐', '⭐⭐⭐⭐', '⭐⭐⭐⭐⭐']);
  await ratings.nth(3).click();
  await ratings.first().waitFor({ state: 'detached' });
  await p.locator(`[data-customer="${handle}"] .bubble.bot`, { hasText: 'Anything you would like to add?' }).waitFor();
  await writeAsCustomer(p, handle, 'Quick and friendly.');
  await p.locator(`[data-customer="${handle}"] .bubble.bot`, { hasText: 'Thank you for your feedback!' }).waitFor();

  await writeAsCustomer(p, handle, 'One more question…');
  const next = p.locator(`[data-task][data-handle="${handle}"][data-status="pending"]`);
  await next.waitFor();
  expect(await next.getAttribute('data-task')).not.toBe(firstTask);
}

/** The console's sample picture is 160 px wide: an image that loaded at that width shows the bytes the emulators carried. */
const SAMPLE_PHOTO_WIDTH = 160;

async function waitForShownPhoto(image: Locator): Promise<void> {
  await image.waitFor();
  // An <img> (the tests compile without the DOM types).
  const loadedWidth = (img: unknown) => {
    const { complete, naturalWidth } = img as { complete: boolean; naturalWidth: number };
    return complete ? naturalWidth : 0;
  };
  await expect.poll(() => image.evaluate(loadedWidth)).toBe(SAMPLE_PHOTO_WIDTH);
}

/** The customer sends the sample photo → it shows inline in the agent's chat; the agent sends it back → it shows in the customer's chat. */
async function photoBothWays(p: Page, { network, handle }: (typeof customers)[number]): Promise<void> {
  await p.getByRole('button', { name: `Send a sample photo as ${handle}` }).click();
  await acceptTask(p, handle);
  await waitForShownPhoto(p.locator('#chat-lines .flex-line.customer img'));
  const inbound = flow(p, 'inbound', handle, 'done');
  await expect.poll(() => inbound.locator('.chip').allTextContents()).toEqual([network, 'stored', 'MCS', 'Flex', 'Flex', 'delivered']);

  await p.getByRole('button', { name: 'Send a sample photo to the customer' }).click();
  await waitForShownPhoto(p.locator(`[data-customer="${handle}"] .bubble.bot img`));
  const outbound = flow(p, 'outbound', handle, 'done');
  const outboundChips = async () => (await outbound.locator('.chip').allTextContents()).sort();
  await expect.poll(outboundChips).toEqual([network, 'Flex', 'MCS', 'delivered', 'webhook'].sort());
}

const modeShown = (page: Page, mode: DemoMode) => page.locator(`#mode-switch [data-mode="${mode}"][aria-pressed="true"]:not([disabled])`);

describe('the demo console', () => {
  const { page } = useConsole();

  for (const customer of customers) {
    it(
      `carries a ${customer.network} customer's chat to a Flex agent and back; after "end chat" the next message opens a new task`,
      () => roundTrip(page(), customer),
      TIMEOUT_MS,
    );
  }

  it(
    'shows a forged webhook refused with 403 and a Twilio 429 retried, for a customer added from the page',
    async () => {
      const p = page();
      await p.getByRole('button', { name: '+ Telegram' }).click();
      await writeAsCustomer(p, 'telegram:tom', 'Hello?');
      await acceptTask(p, 'telegram:tom');

      await p.getByRole('button', { name: 'Forge a webhook' }).click();
      const forged = flow(p, 'forged', 'telegram:tom', 'done');
      await forged.waitFor();
      await expect.poll(() => forged.locator('.hop-error .label').textContent()).toMatch(/answered 403 .*refused, nothing stored/);

      const toggle = p.locator('#toggle-429');
      await toggle.click();
      await p.locator('#toggle-429[aria-pressed="true"]').waitFor();
      await writeAsCustomer(p, 'telegram:tom', 'Are you there?');
      const retried = flow(p, 'inbound', 'telegram:tom', 'done').filter({ hasText: 'Are you there?' });
      await retried.waitFor();
      expect(await retried.locator('.hop-retry .chip').allTextContents()).toEqual(['429', 'retry']);
      expect(await retried.locator('.hop').last().textContent()).toContain('on attempt 2');
      await p.locator('#toggle-429[aria-pressed="false"]').waitFor();
    },
    TIMEOUT_MS,
  );
  it(
    'ends waiting tasks without an agent ("No agent available", "Task canceled"): the customer is told, and the next message opens a new task',
    async () => {
      // A customer added now: each waiting task this test makes is the newest, which the buttons end.
      const p = page();
      await p.getByRole('button', { name: '+ Discord' }).click();
      const handle = 'discord:lena';
      for (const button of ['No agent available', 'Task canceled']) {
        await writeAsCustomer(p, handle, `Anyone there? (${button})`);
        const task = p.locator(`[data-task][data-handle="${handle}"][data-status="pending"]`);
        await task.waitFor();
        const sid = (await task.getAttribute('data-task')) as string;
        const told = p.locator(`[data-customer="${handle}"] .bubble.bot`, { hasText: 'No agent is available right now' });
        const toldBefore = await told.count();

        await p.getByRole('button', { name: button }).click();

        // The bridge checks the open chats' tasks every TASK_CHECK_INTERVAL_MS (2 s in the demo).
        await expect.poll(() => told.count(), { timeout: 10_000 }).toBe(toldBefore + 1);
        await p.locator(`[data-task="${sid}"]`).waitFor({ state: 'detached' });
      }
    },
    TIMEOUT_MS,
  );

  it(
    "sends the agent's answer to one customer message (\"↩ Reply\") as a native reply, shown with the message it answers",
    async () => {
      const p = page();
      // The customer the button adds: the newest card (earlier tests of this page added others).
      const cards = p.locator('[data-customer^="telegram:"]');
      const before = await cards.count();
      await p.getByRole('button', { name: '+ Telegram' }).click();
      await expect.poll(() => cards.count()).toBe(before + 1);
      const handle = (await cards.nth(before).getAttribute('data-customer')) as string;
      await writeAsCustomer(p, handle, 'Can I pay by card?');
      await writeAsCustomer(p, handle, 'And do you ship to Norway?');
      await acceptTask(p, handle);
      await p.locator('#chat-lines .flex-line.customer', { hasText: 'And do you ship to Norway?' }).waitFor();

      await p.getByRole('button', { name: 'Reply to “Can I pay by card?”' }).click();
      await p.locator('#agent-replying:not([hidden])', { hasText: 'Can I pay by card?' }).waitFor();
      await writeAsAgent(p, 'Yes, every major card.');

      const answer = p.locator(`[data-customer="${handle}"] .bubble.bot`, { hasText: 'Yes, every major card.' });
      await answer.waitFor();
      expect(await answer.locator('.replied').textContent()).toBe('Can I pay by card?');
      expect(await p.locator('#agent-replying').isHidden()).toBe(true);
    },
    TIMEOUT_MS,
  );
});

describe('the demo console after hours', () => {
  const { page } = useConsole();

  it(
    'tells a customer writing after hours when we open, and opens their chat once the hours switch back',
    async () => {
      const p = page();
      await p.getByRole('button', { name: 'Open · 09:00–17:00' }).click();
      await p.locator('#toggle-hours[aria-pressed="true"]').waitFor();
      await writeAsCustomer(p, 'telegram:maria', 'Hello, are you open?');
      await p.locator('[data-customer="telegram:maria"] .bubble.bot', { hasText: 'We are closed right now and open again' }).waitFor();
      // The bridge's clock stands before the opening: the message waits, no task.
      expect(await p.locator('[data-task][data-handle="telegram:maria"]').count()).toBe(0);

      await p.locator('#toggle-hours').click();
      await p.locator('#toggle-hours[aria-pressed="false"]').waitFor();
      await p.locator('[data-task][data-handle="telegram:maria"][data-status="pending"]').waitFor();
      await flow(p, 'inbound', 'telegram:maria', 'done').waitFor();
    },
    TIMEOUT_MS,
  );
});

describe('the demo console with files', () => {
  const { page } = useConsole();

  for (const customer of customers) {
    it(`carries a photo from a ${customer.network} customer to the agent and one back, shown inline on both sides`, () => photoBothWays(page(), customer), TIMEOUT_MS);
  }

  it(
    'shows a file that is not a picture as a link named after it',
    async () => {
      const p = page();
      const receipt = { name: 'receipt.txt', mimeType: 'text/plain', buffer: Buffer.from('Order #1042: 2 × mugs, 18.00 EUR\n') };
      await p.locator('[data-customer="discord:sam"] input[type="file"]').setInputFiles(receipt);
      const link = p.locator('#chat-lines .flex-line.customer a.file-link', { hasText: 'receipt.txt' });
      await link.waitFor();
      const served = await p.request.get(new URL((await link.getAttribute('href')) as string, p.url()).href);
      expect(await served.text()).toBe(receipt.buffer.toString());
    },
    TIMEOUT_MS,
  );
});

describe('the demo console in legacy-chat mode', () => {
  const { page } = useConsole('legacy-chat');

  it(
    `carries a Telegram customer's chat through a Flex Channel and back; after "end chat" (status INACTIVE) the next message opens a new task`,
    async () => {
      const p = page();
      await modeShown(p, 'legacy-chat').waitFor();
      expect(await p.locator('#flex-apis').textContent()).toContain('Programmable Chat');
      const ended = flow(p, 'ended', 'telegram:maria', 'done');
      await roundTrip(p, customers[0]!);
      expect(await ended.locator('.hop').allTextContents()).toEqual([
        expect.stringMatching(/to status INACTIVE/),
        expect.stringMatching(/onChannelUpdated, answered 200 .*ended the mapping/),
      ]);
    },
    TIMEOUT_MS,
  );

  it(`carries a photo from a Discord customer through a Flex Channel and one back, shown inline on both sides`, () => photoBothWays(page(), customers[1]!), TIMEOUT_MS);

  it(
    'shows /start answered by the bot, and a customer who blocked the bot: the bridge gives up and tells the agent',
    async () => {
      const p = page();
      await p.getByRole('button', { name: '+ Telegram' }).click();
      await writeAsCustomer(p, 'telegram:tom', '/start');
      await flow(p, 'command', 'telegram:tom', 'done').filter({ hasText: 'answered by the bot, not forwarded' }).waitFor();
      await p.locator('[data-customer="telegram:tom"] .bubble.bot').waitFor();

      await writeAsCustomer(p, 'telegram:tom', 'Is my parcel lost?');
      await acceptTask(p, 'telegram:tom');
      await p.getByRole('button', { name: 'Customer blocks the bot' }).click();
      await flow(p, 'blocked', 'telegram:tom', 'done').waitFor();
      await p.locator('[data-customer="telegram:tom"][data-blocked="true"] .blocked-note').waitFor();

      await writeAsAgent(p, 'Let me check, Tom.');
      const givenUp = flow(p, 'outbound', 'telegram:tom', 'failed').filter({ hasText: 'Let me check, Tom.' });
      await expect.poll(() => givenUp.locator('.hop-error .chip').allTextContents()).toEqual(['dead letter']);
      await flow(p, 'notice', 'telegram:tom', 'done').filter({ hasText: 'bot was blocked by the user' }).waitFor();
      await p.locator('#chat-lines .flex-line.bridge', { hasText: 'could not deliver a message to the customer' }).waitFor();

      // Writing again restarts the bot, as on Telegram.
      await writeAsCustomer(p, 'telegram:tom', 'Sorry, wrong button!');
      await p.locator('[data-customer="telegram:tom"][data-blocked="false"]').waitFor();
    },
    TIMEOUT_MS,
  );

  it(
    'switches back to conversations from the header: the bridge restarts and the chats start over',
    async () => {
      const p = page();
      await p.locator('#mode-switch [data-mode="conversations"]').click();
      await modeShown(p, 'conversations').waitFor();
      expect(await p.locator('#flex-apis').textContent()).toContain('Conversations');
      expect(await p.locator('[data-task]').count()).toBe(0);
      await writeAsCustomer(p, 'telegram:maria', 'Hello again');
      await p.locator('[data-task][data-handle="telegram:maria"][data-status="pending"]').waitFor();
      await flow(p, 'inbound', 'telegram:maria', 'done').waitFor();
    },
    TIMEOUT_MS,
  );
});

describe('the README screenshot', () => {
  const { page } = useConsole();

  it(
    `shows a newcomer one answered chat and one incoming task (saved as a screenshot)`,
    async () => {
      const p = page();
      await writeAsCustomer(p, 'telegram:maria', "Hi! My order #1042 hasn't arrived yet.");
      await acceptTask(p, 'telegram:maria');
      const answer = 'Sorry about that, Maria! It left our warehouse yesterday and arrives tomorrow.';
      await writeAsAgent(p, answer);
      await p.locator('[data-customer="telegram:maria"] .bubble.bot', { hasText: answer }).waitFor();
      await writeAsCustomer(p, 'telegram:maria', 'Great, thank you!');
      await p.locator('#chat-lines .flex-line.customer', { hasText: 'Great, thank you!' }).waitFor();
      await writeAsCustomer(p, 'discord:sam', 'Can I still change my delivery address?');
      await p.locator('[data-task][data-handle="discord:sam"][data-status="pending"]').waitFor();
      await flow(p, 'inbound', 'discord:sam', 'done').waitFor();
      await flow(p, 'outbound', 'telegram:maria', 'done').waitFor();
      await p.getByRole('textbox', { name: 'Message as discord:sam' }).blur();
      await p.screenshot({ path: SCREENSHOT });
    },
    TIMEOUT_MS,
  );
});

describe('what a customer sees', () => {
  const { page } = useConsole();
  const bot = (p: Page, handle: string, text: string) => p.locator(`[data-customer="${handle}"] .bubble.bot`, { hasText: text });

  it(
    'one full conversation: acknowledged, the agent joins by name and answers, ends it, the survey is answered, the transcript comes on request (saved as a screenshot)',
    async () => {
      const p = page();
      const handle = 'telegram:maria';
      await writeAsCustomer(p, handle, "Hi! My order #1042 hasn't arrived yet.");
      await bot(p, handle, 'Thanks, we got your message. An agent will be with you shortly.').waitFor();
      await acceptTask(p, handle);
      await bot(p, handle, 'Alex has joined the chat.').waitFor();
      const answer = 'Sorry about that, Maria! It left our warehouse yesterday and arrives tomorrow.';
      await writeAsAgent(p, answer);
      await bot(p, handle, answer).waitFor();

      await p.locator('#end-chat').click();
      await bot(p, handle, 'This chat has ended.').waitFor();
      const ratings = p.locator(`[data-customer="${handle}"] .bot-buttons button`);
      await expect.poll(() => ratings.count()).toBe(5);
      await ratings.nth(4).click();
      await ratings.first().waitFor({ state: 'detached' });
      await bot(p, handle, 'Anything you would like to add?').waitFor();
      await writeAsCustomer(p, handle, 'Quick and friendly, thanks!');
      await bot(p, handle, 'Thank you for your feedback!').waitFor();

      await writeAsCustomer(p, handle, '/transcript');
      const transcript = bot(p, handle, 'Transcript of your chat with us (times in UTC):');
      await transcript.waitFor();
      const lines = ((await transcript.locator('.text').textContent()) ?? '').split('\n');
      expect(lines.map((line) => line.replace(/^\[[^\]]+\] /, ''))).toEqual([
        'Transcript of your chat with us (times in UTC):',
        '',
        "Maria López: Hi! My order #1042 hasn't arrived yet.",
        `Alex: ${answer}`,
      ]);
      // The transcript is the bot's last word: nothing opened a new chat.
      expect(await p.locator(`[data-task][data-handle="${handle}"][data-status="pending"]`).count()).toBe(0);

      // Tall enough for the whole conversation to show in the customer's window, as on a phone.
      await p.setViewportSize({ width: 1440, height: 2400 });
      await p.getByRole('textbox', { name: `Message as ${handle}` }).blur();
      await p.locator(`[data-customer="${handle}"]`).screenshot({ path: screenshotPath('customer-view.png') });
    },
    TIMEOUT_MS,
  );

  it(
    "answers a customer whose Telegram app speaks German in German, from /start to the agent's arrival",
    async () => {
      const p = page();
      await p.getByRole('button', { name: '+ Telegram' }).click();
      const handle = 'telegram:tom';
      await writeAsCustomer(p, handle, '/start');
      await bot(p, handle, 'Hallo! Schreiben Sie Ihre Frage hier').waitFor();
      await writeAsCustomer(p, handle, 'Wo bleibt mein Paket?');
      await bot(p, handle, 'Danke, wir haben Ihre Nachricht erhalten.').waitFor();
      await acceptTask(p, handle);
      await bot(p, handle, 'Alex ist jetzt im Chat.').waitFor();
      await expect.poll(async () => (await p.locator('#task-context dd').allTextContents()).sort()).toEqual(['acme', 'de']);
    },
    TIMEOUT_MS,
  );
});
