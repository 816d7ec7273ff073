/**
 * Sandbox control API: JSON, no auth, for tests and for a person driving a bot by hand with curl.
 *
 *   POST   /_sandbox/users                       {id, username, global_name?, bot?, blocksDms?} → 201 User
 *   POST   /_sandbox/users/:userId/dm            {content?, attachments?: [{filename, content_type?, size?, data_base64?}], replyTo?, forwarded?: {content?, attachments?}} → 201 Message
 *   POST   /_sandbox/users/:userId/dm/:messageId/edit  {content} → the edited Message (a MESSAGE_UPDATE is dispatched)
 *   DELETE /_sandbox/users/:userId/dm/:messageId       → 204 (a MESSAGE_DELETE is dispatched)
 *   POST   /_sandbox/users/:userId/dm/:messageId/click  {custom_id} → 201 {interaction_id} (an INTERACTION_CREATE is dispatched)
 *   POST   /_sandbox/users/:userId/guild-message {content} → 201 Message (heard only with the GuildMessages intent)
 *   POST   /_sandbox/users/:userId/block         {blocked?: boolean = true} → {blocked} (the bot then gets 50007)
 *   GET    /_sandbox/users/:userId/dm            → the bot's messages in the user's DM, oldest first
 *   GET    /_sandbox/requests                    → REST calls the bot made, in order
 *   POST   /_sandbox/faults                      {route?, times?, status, code?, retryAfter?, global?, scope?} → 201
 *   DELETE /_sandbox/faults                      → 204
 *   POST   /_sandbox/gateway/drop                → {dropped} (sockets cut without a close frame; clients resume)
 *   POST   /_sandbox/gateway/close               {code} → {closed} (close frame with the code, e.g. 4000 or 4004)
 *   POST   /_sandbox/gateway/reconnect           → 204 (op 7)
 *   POST   /_sandbox/gateway/invalidate          {resumable?: boolean = false} → 204 (op 9)
 *   POST   /_sandbox/gateway/expire              → {expired} (sessions no socket holds end, as after the resume window)
 *   POST   /_sandbox/gateway/identify-fault      {code} → 201 (the next IDENTIFY is closed with it)
 *
 * Example: curl -X POST localhost:PORT/_sandbox/users/1100000000000000001/dm -H 'content-type: application/json' -d '{"content":"hi"}'
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RestFaultSpec } from './faults.js';
import type { BotMessage, DcMessage, DcMessageCreate, DcUser, RecordedRequest } from './types.js';
import type { DmContent, NewUser } from './users.js';
import { SandboxInputError } from '../shared/input-error.js';

const snowflake = z.string().regex(/^\d{1,20}$/, 'a snowflake string');
const click = z.object({ custom_id: z.string().min(1).max(100) });

const newUser = z.object({
  id: snowflake,
  username: z.string().min(1),
  global_name: z.string().nullable().optional(),
  bot: z.boolean().optional(),
  blocksDms: z.boolean().optional(),
});
const files = z
  .array(
    z.object({
      filename: z.string().min(1),
      content_type: z.string().optional(),
      size: z.number().int().nonnegative().optional(),
      data_base64: z.string().optional(),
    }),
  )
  .optional();
const dm = z.object({
  content: z.string().optional(),
  attachments: files,
  replyTo: snowflake.optional(),
  forwarded: z.object({ content: z.string().optional(), attachments: files }).optional(),
});
const guildMessage = z.object({ content: z.string() });
const block = z.object({ blocked: z.boolean().default(true) });
const fault = z.object({
  route: z.string().min(1).optional(),
  times: z.number().int().positive().optional(),
  status: z.number().int().min(400).max(599),
  code: z.number().int().optional(),
  retryAfter: z.number().nonnegative().optional(),
  global: z.boolean().optional(),
  scope: z.enum(['user', 'shared']).optional(),
});
const invalidate = z.object({ resumable: z.boolean().default(false) });
const closeCode = z.object({ code: z.number().int().min(4000).max(4999) });
const userParams = z.object({ userId: snowflake });
const dmMessageParams = z.object({ userId: snowflake, messageId: snowflake });

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new SandboxInputError(z.prettifyError(result.error));
  return result.data;
}

/** What these routes drive; DiscordEmulator is one. */
export interface ControlledDiscord {
  readonly requests: readonly RecordedRequest[];
  addUser(user: NewUser): DcUser;
  userSendsDm(userId: string, content: DmContent): DcMessage;
  userEditsDm(userId: string, messageId: string, content: string): DcMessage;
  userDeletesDm(userId: string, messageId: string): void;
  userClicks(userId: string, messageId: string, customId: string): string;
  userSendsInGuild(userId: string, content: string): DcMessageCreate;
  setBlocksDms(userId: string, blocksDms: boolean): void;
  messagesInDm(userId: string): BotMessage[];
  failNext(fault: RestFaultSpec): void;
  clearFaults(): void;
  dropConnection(): number;
  closeConnections(code: number): number;
  requestReconnect(): void;
  invalidateSession(resumable: boolean): void;
  expireSessions(): number;
  failNextIdentify(code: number): void;
}

export function registerControlRoutes(app: FastifyInstance, emulator: ControlledDiscord): void {
  app.post('/_sandbox/users', async (request, reply) => reply.code(201).send(emulator.addUser(parse(newUser, request.body))));

  app.post('/_sandbox/users/:userId/dm', async (request, reply) => {
    const { userId } = parse(userParams, request.params);
    const { content, attachments, replyTo, forwarded } = parse(dm, request.body);
    const files = (list: typeof attachments) =>
      list?.map(({ data_base64, ...file }) => (data_base64 === undefined ? file : { ...file, data: Buffer.from(data_base64, 'base64') }));
    const forward = forwarded && { content: forwarded.content, attachments: files(forwarded.attachments) };
    return reply
      .code(201)
      .send(emulator.userSendsDm(userId, { content, attachments: files(attachments), ...(replyTo && { replyTo }), ...(forward && { forwarded: forward }) }));
  });

  app.post('/_sandbox/users/:userId/dm/:messageId/edit', async (request) => {
    const { userId, messageId } = parse(dmMessageParams, request.params);
    return emulator.userEditsDm(userId, messageId, parse(guildMessage, request.body).content);
  });

  app.delete('/_sandbox/users/:userId/dm/:messageId', async (request, reply) => {
    const { userId, messageId } = parse(dmMessageParams, request.params);
    emulator.userDeletesDm(userId, messageId);
    return reply.code(204).send();
  });

  app.post('/_sandbox/users/:userId/dm/:messageId/click', async (request, reply) => {
    const { userId, messageId } = parse(dmMessageParams, request.params);
    const { custom_id } = parse(click, request.body);
    return reply.code(201).send({ interaction_id: emulator.userClicks(userId, messageId, custom_id) });
  });

  app.post('/_sandbox/users/:userId/guild-message', async (request, reply) => {
    const { userId } = parse(userParams, request.params);
    return reply.code(201).send(emulator.userSendsInGuild(userId, parse(guildMessage, request.body).content));
  });

  app.post('/_sandbox/users/:userId/block', async (request) => {
    const { userId } = parse(userParams, request.params);
    const { blocked } = parse(block, request.body);
    emulator.setBlocksDms(userId, blocked);
    return { blocked };
  });

  app.get('/_sandbox/users/:userId/dm', async (request) => emulator.messagesInDm(parse(userParams, request.params).userId));

  app.get('/_sandbox/requests', async () => emulator.requests);

  app.post('/_sandbox/faults', async (request, reply) => {
    emulator.failNext(parse(fault, request.body));
    return reply.code(201).send({ ok: true });
  });

  app.delete('/_sandbox/faults', async (_request, reply) => {
    emulator.clearFaults();
    return reply.code(204).send();
  });

  app.post('/_sandbox/gateway/drop', async () => ({ dropped: emulator.dropConnection() }));

  app.post('/_sandbox/gateway/close', async (request) => ({ closed: emulator.closeConnections(parse(closeCode, request.body).code) }));

  app.post('/_sandbox/gateway/reconnect', async (_request, reply) => {
    emulator.requestReconnect();
    return reply.code(204).send();
  });

  app.post('/_sandbox/gateway/invalidate', async (request, reply) => {
    emulator.invalidateSession(parse(invalidate, request.body).resumable);
    return reply.code(204).send();
  });

  app.post('/_sandbox/gateway/expire', async () => ({ expired: emulator.expireSessions() }));

  app.post('/_sandbox/gateway/identify-fault', async (request, reply) => {
    emulator.failNextIdentify(parse(closeCode, request.body).code);
    return reply.code(201).send({ ok: true });
  });
}
