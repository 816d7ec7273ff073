/**
 * Sandbox control API: JSON, no auth, for tests and for a person driving a bot by hand with curl.
 *
 *   POST   /_sandbox/users                      {id, first_name, last_name?, username?, language_code?, started?} → 201 User
 *   POST   /_sandbox/users/:userId/messages     {text, …any Message fields} → 201 Message (queued as an update)
 *   POST   /_sandbox/users/:userId/files        {kind, data_base64, file_name?, mime_type?, caption?} → 201 Message
 *   POST   /_sandbox/users/:userId/block        {blocked?: boolean = true} → {blocked}
 *   POST   /_sandbox/users/:userId/presses      {message_id, callback_data} → 201 {callback_query_id} (a callback_query update)
 *   POST   /_sandbox/updates                    raw update without update_id, e.g. {"callback_query":{…}} → 201 Update | 204 if filtered
 *   GET    /_sandbox/chats/:chatId/messages     → Message[] the bot sent to the chat, in order
 *   GET    /_sandbox/requests                   → Bot API calls the bot made, in order
 *   GET    /_sandbox/webhook/deliveries         → webhook POST attempts, in order
 *   POST   /_sandbox/faults                     {method?, times?, error_code, description?, retry_after?, migrate_to_chat_id?, httpStatus?} → 201
 *   DELETE /_sandbox/faults                     → 204
 *
 * Example: curl -X POST localhost:PORT/_sandbox/users/42/messages -H 'content-type: application/json' -d '{"text":"hi"}'
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { NewCustomer } from './customers.js';
import type { FaultSpec } from './faults.js';
import type { CustomerFile } from './files.js';
import type { RecordedRequest, TgMessage, TgUpdate, TgUser, WebhookDelivery } from './types.js';
import { SandboxInputError } from '../shared/input-error.js';

const id = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]);

const newUser = z.object({
  id,
  first_name: z.string().min(1),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
  started: z.boolean().optional(),
});
const customerFile = z.object({
  kind: z.enum(['photo', 'document', 'voice', 'audio', 'video', 'video_note', 'animation']),
  data_base64: z.string(),
  file_name: z.string().optional(),
  mime_type: z.string().optional(),
  caption: z.string().optional(),
});
const block = z.object({ blocked: z.boolean().default(true) });
const press = z.object({ message_id: z.number().int().positive(), callback_data: z.string().min(1) });
const anyObject = z.looseObject({});
const fault = z.object({
  method: z.string().min(1).optional(),
  times: z.number().int().positive().optional(),
  error_code: z.number().int(),
  description: z.string().optional(),
  retry_after: z.number().int().nonnegative().optional(),
  migrate_to_chat_id: z.number().int().optional(),
  httpStatus: z.number().int().min(400).max(599).optional(),
});
const userParams = z.object({ userId: id });
const chatParams = z.object({ chatId: id });

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new SandboxInputError(z.prettifyError(result.error));
  return result.data;
}

/** What these routes drive; TelegramEmulator is one. */
export interface ControlledTelegram {
  readonly requests: readonly RecordedRequest[];
  readonly webhookDeliveries: readonly WebhookDelivery[];
  addUser(user: NewCustomer): TgUser;
  userSends(userId: number | string, content: Partial<TgMessage>): TgMessage;
  userSendsFile(userId: number | string, file: CustomerFile): TgMessage;
  blockBot(userId: number | string, blocked: boolean): void;
  userPresses(userId: number | string, messageId: number, callbackData: string): string;
  pushUpdate(update: Record<string, unknown>): TgUpdate | undefined;
  messagesTo(chatId: number | string): TgMessage[];
  failNext(fault: FaultSpec): void;
  clearFaults(): void;
}

export function registerControlRoutes(app: FastifyInstance, emulator: ControlledTelegram): void {
  app.post('/_sandbox/users', async (request, reply) => reply.code(201).send(emulator.addUser(parse(newUser, request.body))));

  app.post('/_sandbox/users/:userId/messages', async (request, reply) => {
    const { userId } = parse(userParams, request.params);
    return reply.code(201).send(emulator.userSends(userId, parse(anyObject, request.body)));
  });

  app.post('/_sandbox/users/:userId/files', async (request, reply) => {
    const { userId } = parse(userParams, request.params);
    const file = parse(customerFile, request.body);
    const message = emulator.userSendsFile(userId, {
      kind: file.kind,
      data: Buffer.from(file.data_base64, 'base64'),
      ...(file.file_name !== undefined ? { fileName: file.file_name } : {}),
      ...(file.mime_type !== undefined ? { mimeType: file.mime_type } : {}),
      ...(file.caption !== undefined ? { caption: file.caption } : {}),
    });
    return reply.code(201).send(message);
  });

  app.post('/_sandbox/users/:userId/presses', async (request, reply) => {
    const { userId } = parse(userParams, request.params);
    const { message_id, callback_data } = parse(press, request.body);
    return reply.code(201).send({ callback_query_id: emulator.userPresses(userId, message_id, callback_data) });
  });

  app.post('/_sandbox/users/:userId/block', async (request) => {
    const { userId } = parse(userParams, request.params);
    const { blocked } = parse(block, request.body);
    emulator.blockBot(userId, blocked);
    return { blocked };
  });

  app.post('/_sandbox/updates', async (request, reply) => {
    const update = emulator.pushUpdate(parse(anyObject, request.body));
    return update ? reply.code(201).send(update) : reply.code(204).send();
  });

  app.get('/_sandbox/chats/:chatId/messages', async (request) => emulator.messagesTo(parse(chatParams, request.params).chatId));

  app.get('/_sandbox/requests', async () => emulator.requests);

  app.get('/_sandbox/webhook/deliveries', async () => emulator.webhookDeliveries);

  app.post('/_sandbox/faults', async (request, reply) => {
    emulator.failNext(parse(fault, request.body));
    return reply.code(201).send({ ok: true });
  });

  app.delete('/_sandbox/faults', async (_request, reply) => {
    emulator.clearFaults();
    return reply.code(204).send();
  });
}
