import http from 'node:http';
import Fastify from 'fastify';
import { serve } from './rpc.js';

/**
 * The limit: the least a Node process must do to carry a message between the same emulators. Each
 * message comes in (fastify for Twilio webhooks, a long poll for Telegram) and goes out as one HTTP
 * POST over one keep-alive client. Nothing is stored, nothing is checked (no signature), no order is
 * kept, and a Telegram update is confirmed before it is carried: none of the bridge's guarantees.
 */

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const telegramBot = `${env('RELAY_TELEGRAM_API_ROOT')}/bot${env('RELAY_TELEGRAM_TOKEN')}`;
const twilioBase = `${env('RELAY_TWILIO_API_BASE_URL')}/conversations.twilio.com/v1/Conversations`;
const twilioAuth = `Basic ${Buffer.from(`${env('RELAY_TWILIO_ACCOUNT_SID')}:${env('RELAY_TWILIO_AUTH_TOKEN')}`).toString('base64')}`;

// The same socket limit as the bridge's Twilio client.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(url: string, contentType: string, body: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-type': contentType, 'content-length': Buffer.byteLength(body) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => ((response.statusCode ?? 0) < 400 ? resolve(text) : reject(new Error(`${url}: ${response.statusCode} ${text}`))));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

// Routes handed over by the bench: Telegram chat ↔ Twilio conversation, and the customer's identity.
const conversationOfChat = new Map<number, { sid: string; identity: string }>();
const chatOfConversation = new Map<string, number>();

interface Update {
  update_id: number;
  message?: { chat: { id: number }; text?: string };
}

/** Customer → agent: long-poll the bot, post each message into the customer's conversation. */
async function pollTelegram(): Promise<void> {
  let offset = 0;
  for (;;) {
    const answer = await post(`${telegramBot}/getUpdates`, 'application/json', JSON.stringify({ offset, timeout: 50 }));
    const updates = (JSON.parse(answer) as { result: Update[] }).result;
    for (const update of updates) {
      offset = update.update_id + 1;
      const route = update.message && conversationOfChat.get(update.message.chat.id);
      if (!route || update.message?.text === undefined) continue;
      const form = new URLSearchParams({ Author: route.identity, Body: update.message.text }).toString();
      post(`${twilioBase}/${route.sid}/Messages`, 'application/x-www-form-urlencoded', form, { authorization: twilioAuth }).catch(
        (err: unknown) => console.error(`relay: ${String(err)}`),
      );
    }
  }
}

/** Agent → customer: a Twilio webhook in, a sendMessage out; answered once Telegram took it. */
const app = Fastify({ logger: false });
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
  done(null, Object.fromEntries(new URLSearchParams(body as string)));
});
app.post('/twilio', async (request, reply) => {
  const params = request.body as Record<string, string>;
  const chatId = chatOfConversation.get(params.ConversationSid ?? '');
  if (chatId === undefined || params.EventType !== 'onMessageAdded') return reply.code(200).send();
  await post(`${telegramBot}/sendMessage`, 'application/json', JSON.stringify({ chat_id: chatId, text: params.Body }));
  return reply.code(200).send();
});
const url = await app.listen({ port: 0, host: '127.0.0.1' });

const api = {
  routes({ routes }: { routes: readonly { chatId: number; sid: string; identity: string }[] }): void {
    for (const { chatId, sid, identity } of routes) {
      conversationOfChat.set(chatId, { sid, identity });
      chatOfConversation.set(sid, chatId);
    }
  },
};

export type RelayApi = typeof api;

serve(api, { url });
pollTelegram().catch((err: unknown) => {
  console.error(`relay: polling stopped: ${String(err)}`);
  process.exitCode = 1;
});
