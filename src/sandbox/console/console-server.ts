import Fastify from 'fastify';
import { z } from 'zod';
import type { DemoRunner } from './demo-runner.js';
import { registerStaticFiles } from './static-files.js';
import { DEMO_MODES } from './views.js';

export interface ConsoleServer {
  readonly url: string;
  close(): Promise<void>;
}

const Text = z.object({ text: z.string().trim().min(1, 'write something first').max(4096) });
const NewCustomer = z.object({ network: z.enum(['telegram', 'discord']) });
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
 *   POST /api/customers/:id/block                    the customer blocks the bot (Telegram)
 *   POST /api/tasks/:sid/accept                      the agent accepts a task
 *   POST /api/tasks/:sid/complete                    the agent finishes wrap-up
 *   POST /api/chats/:sid/messages       { text }     the agent writes in Flex
 *   POST /api/chats/:sid/end                         the agent ends the chat
 *   POST /api/faults/forged-webhook     { chatSid? } a bad-signature webhook into that chat (default: the latest)
 *   POST /api/faults/twilio-429                      arm / disarm a 429 on the bridge's next message to Flex
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
    runner.console.agent.send(request.params.id, Text.parse(request.body).text);
    return reply.code(204).send();
  });
  app.post<ById>('/api/chats/:id/end', async (request, reply) => {
    runner.console.agent.end(request.params.id);
    return reply.code(204).send();
  });

  app.post('/api/faults/forged-webhook', async (request, reply) => {
    const demo = runner.console;
    await demo.faults.forgeWebhook(Forge.parse(request.body ?? {}).chatSid ?? demo.desk.latestChatSid);
    return reply.code(204).send();
  });
  app.post('/api/faults/twilio-429', async () => runner.console.faults.toggleTwilio429());

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
