import Fastify from 'fastify';
import { z } from 'zod';
import type { DemoRunner } from './demo-runner.js';
import { registerStaticFiles } from './static-files.js';
import type { NewFile } from './files.js';
import { DEMO_MODES } from './views.js';

export interface ConsoleServer {
  readonly url: string;
  close(): Promise<void>;
}

const Text = z.object({ text: z.string().trim().min(1, 'write something first').max(4096) });
/** The agent's message; `replyTo` is the sid of the customer message it answers. */
const AgentText = Text.extend({ replyTo: z.string().regex(/^IM[0-9a-f]{32}$/, 'a message sid').optional() });
const Upload = z.object({
  name: z.string().trim().min(1).max(255),
  contentType: z.string().trim().min(1).max(255),
  dataBase64: z.string().min(1, 'the file is empty'),
  caption: z.string().trim().max(4096).optional(),
});
/** Big enough to try the networks' own limits (bots download up to 20 MB from Telegram), sent as base64. */
const UPLOAD_BODY_LIMIT = 32 * 1024 * 1024;
const NewCustomer = z.object({ network: z.enum(['telegram', 'discord']) });
const Press = z.object({ messageId: z.string().min(1), data: z.string().min(1).max(100) });
const Forge = z.object({ chatSid: z.string().min(1).optional() });
const Mode = z.object({ mode: z.enum(DEMO_MODES) });

interface ById {
  Params: { id: string };
}

/*
 * The console's HTTP side, on its own port:
 *   GET  /                              the page (public/)
 *   GET  /api/state                     ConsoleSnapshot
 *   GET  /api/events                    SSE: the snapshot, then ConsoleUpdates
 *   POST /api/mode                      { mode }     restart the bridge in that Flex mode (a fresh snapshot follows on SSE)
 *   POST /api/customers                 { network }  add a customer
 *   POST /api/customers/:id/messages    { text }     the customer writes (through their network's emulator)
 *   POST /api/customers/:id/files       { name, contentType, dataBase64, caption? }  the customer sends a file (the same way)
 *   POST /api/customers/:id/block                    the customer blocks the bot (Telegram)
 *   POST /api/customers/:id/presses     { messageId, data }  the customer presses a button under a bot message
 *   POST /api/tasks/:sid/accept                      the agent accepts a task
 *   POST /api/tasks/:sid/complete                    the agent finishes wrap-up
 *   POST /api/chats/:sid/messages       { text, replyTo? } the agent writes in Flex (replyTo: the customer message's sid)
 *   POST /api/chats/:sid/files          { name, contentType, dataBase64, caption? }  the agent attaches a file in Flex
 *   POST /api/chats/:sid/end                         the agent ends the chat
 *   GET  /api/files/:key                             a file shown in a chat: the bytes the emulator that carried it stored
 *   POST /api/faults/forged-webhook     { chatSid? } a bad-signature webhook into that chat (default: the latest)
 *   POST /api/faults/twilio-429                      arm / disarm a 429 on the bridge's next message to Flex
 *   POST /api/faults/no-agent                        the newest waiting task's workflow times out
 *   POST /api/faults/task-canceled                   the newest waiting task is canceled
 *   POST /api/hours                                  switch the bridge's clock to after hours, or back
 */
export async function startConsoleServer(runner: DemoRunner, port: number, host: string): Promise<ConsoleServer> {
  const app = Fastify({ logger: false });
  registerStaticFiles(app);

  app.get('/api/state', async () => runner.snapshot());
  app.get('/api/events', async (_request, reply) => runner.stream.attach(reply, { type: 'snapshot', snapshot: runner.snapshot() }));
  app.post('/api/mode', async (request) => runner.switchTo(Mode.parse(request.body).mode));

  app.post('/api/customers', async (request, reply) => reply.code(201).send(runner.console.customers.add(NewCustomer.parse(request.body).network)));
  app.post<ById>('/api/customers/:id/messages', async (request, reply) => {
    runner.console.customers.send(request.params.id, Text.parse(request.body).text);
    return reply.code(204).send();
  });
  app.post<ById>('/api/customers/:id/files', { bodyLimit: UPLOAD_BODY_LIMIT }, async (request, reply) => {
    runner.console.customers.sendFile(request.params.id, uploaded(request.body));
    return reply.code(204).send();
  });
  app.post<ById>('/api/customers/:id/presses', async (request, reply) => {
    const { messageId, data } = Press.parse(request.body);
    runner.console.customers.press(request.params.id, messageId, data);
    return reply.code(204).send();
  });
  app.post<ById>('/api/customers/:id/block', async (request, reply) => {
    runner.console.customers.blockBot(request.params.id);
    return reply.code(204).send();
  });

  app.post<ById>('/api/tasks/:id/accept', async (request, reply) => {
    runner.console.agent.accept(request.params.id);
    return reply.code(204).send();
  });
  app.post<ById>('/api/tasks/:id/complete', async (request, reply) => {
    runner.console.agent.complete(request.params.id);
    return reply.code(204).send();
  });
  app.post<ById>('/api/chats/:id/messages', async (request, reply) => {
    const { text, replyTo } = AgentText.parse(request.body);
    runner.console.agent.send(request.params.id, text, replyTo);
    return reply.code(204).send();
  });
  app.post<ById>('/api/chats/:id/files', { bodyLimit: UPLOAD_BODY_LIMIT }, async (request, reply) => {
    runner.console.agent.sendFile(request.params.id, uploaded(request.body));
    return reply.code(204).send();
  });
  app.post<ById>('/api/chats/:id/end', async (request, reply) => {
    runner.console.agent.end(request.params.id);
    return reply.code(204).send();
  });

  app.get<{ Params: { key: string } }>('/api/files/:key', async (request, reply) => {
    const file = runner.console.files.open(request.params.key);
    if (!file) return reply.code(404).send({ error: `no file ${request.params.key} in this demo` });
    // A key names one stored file for good: the page redraws chats often, and need not load it again.
    return reply.type(file.contentType).header('cache-control', 'private, max-age=86400, immutable').send(file.data);
  });

  app.post('/api/faults/forged-webhook', async (request, reply) => {
    const demo = runner.console;
    await demo.faults.forgeWebhook(Forge.parse(request.body ?? {}).chatSid ?? demo.desk.latestChatSid);
    return reply.code(204).send();
  });
  app.post('/api/faults/twilio-429', async () => runner.console.faults.toggleTwilio429());
  app.post('/api/faults/no-agent', async (_request, reply) => {
    runner.console.faults.noAgentAvailable();
    return reply.code(204).send();
  });
  app.post('/api/faults/task-canceled', async (_request, reply) => {
    runner.console.faults.cancelTask();
    return reply.code(204).send();
  });

  app.post('/api/hours', async () => runner.console.hours.toggle());

  app.setErrorHandler((err: Error & { statusCode?: number; status?: number }, _request, reply) => {
    if (err instanceof z.ZodError) return reply.code(400).send({ error: err.issues.map((i) => i.message).join('; ') });
    // ConsoleRequestError and fastify's errors carry statusCode; the Twilio emulator's errors carry status.
    const status = err.statusCode ?? err.status ?? 500;
    return reply.code(status >= 400 && status < 600 ? status : 500).send({ error: err.message });
  });
  app.addHook('preClose', async () => runner.stream.closeAll());

  const url = await app.listen({ port, host });
  return { url, close: () => app.close() };
}

function uploaded(body: unknown): NewFile {
  const { name, contentType, dataBase64, caption } = Upload.parse(body);
  return { name, contentType, data: Buffer.from(dataBase64, 'base64'), ...(caption ? { caption } : {}) };
}
