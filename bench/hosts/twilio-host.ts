import { SANDBOX_CREDENTIALS } from '@flex-bridge/emulators';
import { TwilioEmulator } from '@flex-bridge/emulators';
import { serve } from '../rpc.js';
import { burst, benchText, now, paced, seqOf, Stamps, type LoadSpec } from './load.js';

/**
 * The Twilio side in its own process: agents writing into conversations (agent → customer load), the
 * receipt of customer messages posted into them, and the Flex tasks that mark a chat as open.
 */

const AGENT = 'agent_bench';
const { accountSid, authToken, workspaceSid, workflowSid } = SANDBOX_CREDENTIALS;

const twilio = new TwilioEmulator({ accountSid, authToken, workspaceSid, workflowSid, recordRequests: false });
const sent = new Stamps();
const received = new Stamps();
const taskCreatedAt: number[] = [];
twilio.events.on('message', (message) => {
  const seq = message.author === AGENT ? undefined : seqOf(message.body, 'c');
  if (seq !== undefined) received.mark(seq);
});
twilio.events.on('task', (task) => {
  if (task.status === 'pending') taskCreatedAt.push(now());
});

let webhooksAnswered = 0;
twilio.events.on('webhook', (delivery) => {
  if (delivery.statusCode !== null && delivery.statusCode < 300) webhooksAnswered++;
});

const url = await twilio.start();

/** Agents write the numbered messages of `spec` into conversations `sids`, round robin. */
type AgentLoad = LoadSpec & { readonly sids: readonly string[] };

const sender = ({ sids }: AgentLoad) => (i: number, seq: number) => {
  twilio.agentSend(sids[i % sids.length] as string, benchText('a', seq), AGENT);
};

/** One REST call to the emulator, as a client would make it (for the relay's conversations). */
async function rest(path: string, form: Record<string, string | string[]>): Promise<{ sid: string }> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) for (const v of [value].flat()) body.append(name, v);
  const response = await fetch(`${url}/conversations.twilio.com/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}` },
    body,
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as { sid: string };
}

const api = {
  /** Conversations whose webhook goes to `webhookUrlPrefix`, with their customer's participant identity. */
  conversationsOf({ webhookUrlPrefix }: { webhookUrlPrefix: string }): { sid: string; identity: string }[] {
    return twilio
      .conversations()
      .filter((c) => c.state !== 'closed' && c.webhooks.some((w) => w.url?.startsWith(webhookUrlPrefix)))
      .map((c) => ({ sid: c.sid, identity: c.participants.find((p) => p.identity !== AGENT)?.identity ?? '' }));
  },
  /** What the relay needs (the bridge makes its own): a conversation per customer with a webhook to the relay. */
  async createConversations({ identities, webhookUrl }: { identities: readonly string[]; webhookUrl: string }): Promise<string[]> {
    const sids: string[] = [];
    for (const identity of identities) {
      const { sid } = await rest('/Conversations', { FriendlyName: identity });
      await rest(`/Conversations/${sid}/Participants`, { Identity: identity });
      await rest(`/Conversations/${sid}/Webhooks`, {
        Target: 'webhook',
        'Configuration.Url': webhookUrl,
        'Configuration.Method': 'post',
        'Configuration.Filters': ['onMessageAdded'],
      });
      sids.push(sid);
    }
    return sids;
  },
  burst: (load: AgentLoad) => burst(load, sent, sender(load)),
  paced: (load: AgentLoad & { ratePerSecond: number }) => paced(load, sent, sender(load)),
  sentTimes: ({ from, to }: { from: number; to: number }) => sent.take(from, to),
  waitReceived: ({ from, to, timeoutMs }: { from: number; to: number; timeoutMs: number }) => received.waitFor(from, to, timeoutMs),
  receivedTimes: ({ from, to }: { from: number; to: number }) => received.take(from, to),
  /** Creation times of the tasks since the `since`-th one, once there are `count` more (or after `timeoutMs`). */
  async taskTimes({ since, count, timeoutMs }: { since: number; count: number; timeoutMs: number }): Promise<number[]> {
    const deadline = now() + timeoutMs;
    while (taskCreatedAt.length < since + count && now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return taskCreatedAt.slice(since, since + count);
  },
  taskCount: () => taskCreatedAt.length,
  /** Webhooks answered with a 2xx so far: the receiver has stored what they carried. */
  webhooksAnswered: () => webhooksAnswered,
  async waitWebhooksAnswered({ count, timeoutMs }: { count: number; timeoutMs: number }): Promise<number> {
    const deadline = now() + timeoutMs;
    while (webhooksAnswered < count && now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return webhooksAnswered;
  },
};

export type TwilioHostApi = typeof api;

serve(api, { url });
