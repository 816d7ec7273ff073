import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AgentFileBody, agentFileOf } from '../mcs/agent-file-body.js';
import type { LegacyChat } from './legacy-chat.js';

const AgentMessageBody = z.object({ body: z.string(), agentIdentity: z.string().min(1).optional() });

interface SidParams {
  Params: { sid: string };
}

/** The legacy Flex custom chat's control routes; listed in control-routes.ts. */
export function registerLegacyChatControlRoutes(app: FastifyInstance, legacy: LegacyChat): void {
  app.get('/flex-flows', async () => legacy.flexFlows());
  app.get('/chat-channels', async () => legacy.channels());
  app.get<SidParams>('/chat-channels/:sid/messages', async (request) => legacy.messages(request.params.sid));
  app.get('/chat-tasks', async () => legacy.tasks());

  app.post<SidParams>('/chat-channels/:sid/agent-messages', async (request, reply) => {
    const { body, agentIdentity } = AgentMessageBody.parse(request.body);
    return reply.code(201).send(legacy.agentSend(request.params.sid, body, agentIdentity));
  });

  app.post<SidParams>('/chat-channels/:sid/agent-files', async (request, reply) => {
    const parsed = AgentFileBody.parse(request.body);
    return reply.code(201).send(legacy.agentSendFile(request.params.sid, agentFileOf(parsed), parsed.body, parsed.agentIdentity));
  });

  app.post<SidParams>('/chat-channels/:sid/end', async (request) => legacy.endChat(request.params.sid));
}
