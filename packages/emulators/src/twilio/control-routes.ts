import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AgentFile } from './conversations/agent-desk.js';
import type { ConversationSnapshot } from './conversations/inspection.js';
import type { FailureSpec, HangSpec } from './http/faults.js';
import type { RequestRecord } from './http/request-log.js';
import type { WebhookDelivery } from './http/webhooks.js';
import type { LegacyChat } from './legacy-chat/legacy-chat.js';
import { registerLegacyChatControlRoutes } from './legacy-chat/legacy-control-routes.js';
import { AgentFileBody, agentFileOf } from './mcs/agent-file-body.js';
import type { RoutingFailure } from './interactions/interactions.js';
import type { EmulatedAccount, InteractionChannelRecord, MessageRecord, TaskRecord } from './state.js';

/*
 * Control routes under /_sandbox (JSON, no auth), for the demo console and for tests in other processes:
 *
 *   GET    /_sandbox/account                           the account's fixed SIDs        → EmulatedAccount minus the auth token
 *   GET    /_sandbox/requests                          API requests received           → RequestRecord[]
 *   GET    /_sandbox/conversations                     conversations                   → ConversationSnapshot[]
 *   GET    /_sandbox/conversations/:sid/messages       messages of one conversation    → MessageRecord[]
 *   GET    /_sandbox/webhook-deliveries                webhooks sent                   → WebhookDelivery[]
 *   GET    /_sandbox/tasks                             Flex tasks                      → TaskRecord[]
 *   POST   /_sandbox/tasks/:sid/accept                 { agentIdentity? }              → TaskRecord
 *   POST   /_sandbox/tasks/:sid/complete               finish wrap-up                  → TaskRecord
 *   POST   /_sandbox/tasks/:sid/timeout                the workflow times out (canceled) → TaskRecord
 *   POST   /_sandbox/tasks/:sid/reject-all             every agent rejects to the end (canceled) → TaskRecord
 *   POST   /_sandbox/tasks/:sid/cancel                 { reason? } someone cancels it  → TaskRecord
 *   DELETE /_sandbox/tasks/:sid                        the task is deleted             → 204
 *   GET    /_sandbox/conversations/:sid/interaction-channel  its latest interaction channel → InteractionChannelRecord
 *   POST   /_sandbox/routing/fail-next                 { code?, message?, times? } next setups fail → 204
 *   POST   /_sandbox/routing/setup-delay               { ms } how long each setup takes → 204
 *   POST   /_sandbox/clock/advance                     { ms } emulated time moves on (timers fire) → 204
 *   POST   /_sandbox/conversations/:sid/agent-messages { body, agentIdentity?, attributes? } → 201 MessageRecord
 *   POST   /_sandbox/conversations/:sid/agent-files    { dataBase64, contentType, filename?, body?, agentIdentity? } → 201 MessageRecord
 *   GET    /_sandbox/media/:sid                        bytes of an MCS file            → the file, with its content type
 *   POST   /_sandbox/conversations/:sid/end            agent ends the chat             → ConversationSnapshot
 *   POST   /_sandbox/conversations/:sid/inactive       inactive timer fires            → ConversationSnapshot
 *   POST   /_sandbox/conversations/:sid/forged-webhook { body?, author? } bad signature → WebhookDelivery[]
 *   POST   /_sandbox/messages/:sid/redeliver           the webhook arrives again       → WebhookDelivery[]
 *   POST   /_sandbox/faults                            arm a fault (FaultBody below)   → 204
 *   DELETE /_sandbox/faults                            disarm all faults               → 204
 *
 * Legacy Flex custom chat (legacy-control-routes.ts):
 *   GET    /_sandbox/flex-flows                        Flex Flows                      → FlexFlowRecord[]
 *   GET    /_sandbox/chat-channels                     Chat channels                   → ChatChannelSnapshot[]
 *   GET    /_sandbox/chat-channels/:sid/messages       messages of one channel         → ChatMessageRecord[]
 *   GET    /_sandbox/chat-tasks                        tasks made by Send to Flex      → ChatTaskRecord[]
 *   POST   /_sandbox/chat-channels/:sid/agent-messages { body, agentIdentity? }        → 201 ChatMessageRecord
 *   POST   /_sandbox/chat-channels/:sid/agent-files    { dataBase64, contentType, filename?, body?, agentIdentity? } → 201 ChatMessageRecord
 *   POST   /_sandbox/chat-channels/:sid/end            agent ends the chat (INACTIVE)  → ChatChannelSnapshot
 *
 * The two webhook routes answer once the deliveries have finished. Errors use Twilio's error shape.
 */

const AcceptBody = z.object({ agentIdentity: z.string().min(1).optional() });
const CancelBody = z.object({ reason: z.string().min(1).optional() });
const RoutingFailureBody = z.object({
  code: z.number().int().optional(),
  message: z.string().min(1).optional(),
  times: z.number().int().positive().optional(),
});
const MillisecondsBody = z.object({ ms: z.number().int().nonnegative() });
const AgentMessageBody = z.object({ body: z.string(), agentIdentity: z.string().min(1).optional(), attributes: z.record(z.string(), z.unknown()).optional() });
const ForgedWebhookBody = z.object({ body: z.string().optional(), author: z.string().min(1).optional() });

const MatchFields = {
  host: z.string().optional(),
  method: z.string().optional(),
  /** Exact path below the host. */
  path: z.string().optional(),
  /** A regular expression tested against the path, for paths with SIDs in them. */
  pathPattern: z.string().optional(),
  times: z.number().int().positive().optional(),
};
const FaultBody = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('fail'),
    ...MatchFields,
    status: z.number().int().min(400).max(599),
    code: z.number().int().optional(),
    message: z.string().optional(),
    retryAfter: z.number().nonnegative().optional(),
    apply: z.boolean().optional(),
  }),
  z.object({ kind: z.literal('hang'), ...MatchFields, apply: z.boolean() }),
]);

interface SidParams {
  Params: { sid: string };
}

/** What these routes drive; TwilioEmulator is one. */
export interface ControlledTwilio {
  readonly account: EmulatedAccount;
  readonly requests: readonly RequestRecord[];
  readonly webhookDeliveries: readonly WebhookDelivery[];
  readonly legacyChat: LegacyChat;
  conversations(): ConversationSnapshot[];
  messages(conversationSid: string): MessageRecord[];
  tasks(): TaskRecord[];
  acceptTask(taskSid: string, agentIdentity?: string): TaskRecord;
  completeTask(taskSid: string): TaskRecord;
  timeOutTask(taskSid: string): TaskRecord;
  rejectTaskToEnd(taskSid: string): TaskRecord;
  cancelTask(taskSid: string, reason?: string): TaskRecord;
  deleteTask(taskSid: string): void;
  interactionChannelOf(conversationSid: string): InteractionChannelRecord | undefined;
  failNextRouting(failure: RoutingFailure): void;
  setInteractionSetupDelay(ms: number): void;
  advanceClock(ms: number): void;
  agentSend(conversationSid: string, body: string, agentIdentity?: string, attributes?: Record<string, unknown>): MessageRecord;
  agentSendFile(conversationSid: string, file: AgentFile, body?: string, agentIdentity?: string): MessageRecord;
  media(mediaSid: string): { contentType: string; data: Buffer } | undefined;
  endChat(conversationSid: string): ConversationSnapshot;
  setInactive(conversationSid: string): ConversationSnapshot;
  sendForgedWebhook(conversationSid: string, forged: { body?: string; author?: string }): Promise<WebhookDelivery[]>;
  redeliver(messageSid: string): Promise<WebhookDelivery[]>;
  failNext(spec: FailureSpec): void;
  hangNext(spec: HangSpec): void;
  clearFaults(): void;
}

export function registerControlRoutes(app: FastifyInstance, emulator: ControlledTwilio): void {
  app.get('/account', async () => {
    const { authToken: _authToken, ...sids } = emulator.account;
    return sids;
  });
  app.get('/requests', async () => emulator.requests);
  app.get('/conversations', async () => emulator.conversations());
  app.get<SidParams>('/conversations/:sid/messages', async (request) => emulator.messages(request.params.sid));
  app.get('/webhook-deliveries', async () => emulator.webhookDeliveries);
  app.get('/tasks', async () => emulator.tasks());

  app.post<SidParams>('/tasks/:sid/accept', async (request) => {
    const { agentIdentity } = AcceptBody.parse(request.body ?? {});
    return emulator.acceptTask(request.params.sid, agentIdentity);
  });

  app.post<SidParams>('/tasks/:sid/complete', async (request) => emulator.completeTask(request.params.sid));
  app.post<SidParams>('/tasks/:sid/timeout', async (request) => emulator.timeOutTask(request.params.sid));
  app.post<SidParams>('/tasks/:sid/reject-all', async (request) => emulator.rejectTaskToEnd(request.params.sid));
  app.post<SidParams>('/tasks/:sid/cancel', async (request) =>
    emulator.cancelTask(request.params.sid, CancelBody.parse(request.body ?? {}).reason),
  );
  app.delete<SidParams>('/tasks/:sid', async (request, reply) => {
    emulator.deleteTask(request.params.sid);
    return reply.code(204).send();
  });

  app.get<SidParams>('/conversations/:sid/interaction-channel', async (request, reply) => {
    const channel = emulator.interactionChannelOf(request.params.sid);
    if (!channel) return reply.code(404).send({ message: `no interaction for ${request.params.sid}` });
    return channel;
  });
  app.post('/routing/fail-next', async (request, reply) => {
    emulator.failNextRouting(RoutingFailureBody.parse(request.body ?? {}));
    return reply.code(204).send();
  });
  app.post('/routing/setup-delay', async (request, reply) => {
    emulator.setInteractionSetupDelay(MillisecondsBody.parse(request.body).ms);
    return reply.code(204).send();
  });
  app.post('/clock/advance', async (request, reply) => {
    emulator.advanceClock(MillisecondsBody.parse(request.body).ms);
    return reply.code(204).send();
  });

  app.post<SidParams>('/conversations/:sid/agent-messages', async (request, reply) => {
    const { body, agentIdentity, attributes } = AgentMessageBody.parse(request.body);
    return reply.code(201).send(emulator.agentSend(request.params.sid, body, agentIdentity, attributes));
  });

  app.post<SidParams>('/conversations/:sid/agent-files', async (request, reply) => {
    const parsed = AgentFileBody.parse(request.body);
    return reply.code(201).send(emulator.agentSendFile(request.params.sid, agentFileOf(parsed), parsed.body, parsed.agentIdentity));
  });

  app.get<SidParams>('/media/:sid', async (request, reply) => {
    const media = emulator.media(request.params.sid);
    if (!media) return reply.code(404).send({ message: `no media ${request.params.sid}` });
    return reply.type(media.contentType).send(media.data);
  });

  app.post<SidParams>('/conversations/:sid/end', async (request) => emulator.endChat(request.params.sid));
  app.post<SidParams>('/conversations/:sid/inactive', async (request) => emulator.setInactive(request.params.sid));

  app.post<SidParams>('/conversations/:sid/forged-webhook', async (request) =>
    emulator.sendForgedWebhook(request.params.sid, ForgedWebhookBody.parse(request.body ?? {})),
  );

  app.post<SidParams>('/messages/:sid/redeliver', async (request) => emulator.redeliver(request.params.sid));

  app.post('/faults', async (request, reply) => {
    const fault = FaultBody.parse(request.body);
    const path = fault.pathPattern === undefined ? fault.path : new RegExp(fault.pathPattern);
    if (fault.kind === 'fail') emulator.failNext({ ...fault, path });
    else emulator.hangNext({ ...fault, path });
    return reply.code(204).send();
  });

  app.delete('/faults', async (_request, reply) => {
    emulator.clearFaults();
    return reply.code(204).send();
  });

  registerLegacyChatControlRoutes(app, emulator.legacyChat);
}
