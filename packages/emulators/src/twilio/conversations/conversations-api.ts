import type { FastifyInstance } from 'fastify';
import { formOf, listRequestOf, originOf } from '../http/api-request.js';
import {
  conversationJson,
  messageJson,
  participantConversationJson,
  participantJson,
  userJson,
  webhookJson,
} from './conversations-json.js';
import { invalidParameter, missingParameter } from '../http/errors.js';
import { formValue, formValues, type FormParams } from '../http/form-body.js';
import { pageOf } from '../http/paging.js';
import type { ProductApi } from '../product-api.js';

interface ConversationParams {
  Params: { conversation: string };
}
interface ChildParams {
  Params: { conversation: string; sid: string };
}

/** Conversations v1 at `conversations.twilio.com`: conversations, participants, messages, scoped webhooks. */
export const conversationsApi: ProductApi = {
  host: 'conversations.twilio.com',
  routes(app: FastifyInstance, { account, conversations }) {
    app.post('/v1/Conversations', async (request, reply) => {
      const form = formOf(request);
      const conversation = conversations.create({
        friendlyName: formValue(form, 'FriendlyName'),
        uniqueName: formValue(form, 'UniqueName'),
        attributes: formValue(form, 'Attributes'),
        state: formValue(form, 'State'),
        messagingServiceSid: formValue(form, 'MessagingServiceSid'),
        timers: timerParams(form),
      });
      return reply.code(201).send(conversationJson(account, conversation));
    });

    app.get('/v1/Conversations', async (request) =>
      pageOf(conversations.list(), listRequestOf(request), 'conversations', (c) => conversationJson(account, c)),
    );

    app.get<ConversationParams>('/v1/Conversations/:conversation', async (request) =>
      conversationJson(account, conversations.get(request.params.conversation)),
    );

    app.post<ConversationParams>('/v1/Conversations/:conversation', async (request) => {
      const form = formOf(request);
      const conversation = conversations.update(
        request.params.conversation,
        {
          friendlyName: formValue(form, 'FriendlyName'),
          uniqueName: formValue(form, 'UniqueName'),
          attributes: formValue(form, 'Attributes'),
          state: formValue(form, 'State'),
          timers: timerParams(form),
        },
        originOf(request),
      );
      return conversationJson(account, conversation);
    });

    app.delete<ConversationParams>('/v1/Conversations/:conversation', async (request, reply) => {
      conversations.remove(request.params.conversation);
      return reply.code(204).send();
    });

    app.post<ConversationParams>('/v1/Conversations/:conversation/Participants', async (request, reply) => {
      const form = formOf(request);
      const participant = conversations.addParticipant(request.params.conversation, {
        identity: formValue(form, 'Identity'),
        attributes: formValue(form, 'Attributes'),
        roleSid: formValue(form, 'RoleSid'),
      }, originOf(request));
      return reply.code(201).send(participantJson(account, participant));
    });

    app.get<ConversationParams>('/v1/Conversations/:conversation/Participants', async (request) =>
      pageOf(
        conversations.get(request.params.conversation).participants,
        listRequestOf(request),
        'participants',
        (p) => participantJson(account, p),
      ),
    );

    app.get<ChildParams>('/v1/Conversations/:conversation/Participants/:sid', async (request) =>
      participantJson(account, conversations.getParticipant(request.params.conversation, request.params.sid)),
    );

    app.delete<ChildParams>('/v1/Conversations/:conversation/Participants/:sid', async (request, reply) => {
      conversations.removeParticipant(request.params.conversation, request.params.sid);
      return reply.code(204).send();
    });

    app.post<ConversationParams>('/v1/Conversations/:conversation/Messages', async (request, reply) => {
      const form = formOf(request);
      const message = conversations.addMessage(
        request.params.conversation,
        {
          author: formValue(form, 'Author'),
          body: formValue(form, 'Body'),
          attributes: formValue(form, 'Attributes'),
          mediaSid: formValue(form, 'MediaSid'),
        },
        originOf(request),
      );
      return reply.code(201).send(messageJson(account, message));
    });

    app.get<ConversationParams>('/v1/Conversations/:conversation/Messages', async (request) => {
      const list = listRequestOf(request);
      const order = formValue(list.query, 'Order') ?? 'asc';
      if (order !== 'asc' && order !== 'desc') throw invalidParameter('Order', 'expected asc or desc');
      const messages = conversations.get(request.params.conversation).messages;
      const ordered = order === 'asc' ? messages : [...messages].reverse();
      return pageOf(ordered, list, 'messages', (m) => messageJson(account, m));
    });

    app.get<ChildParams>('/v1/Conversations/:conversation/Messages/:sid', async (request) =>
      messageJson(account, conversations.getMessage(request.params.conversation, request.params.sid)),
    );

    app.post<ConversationParams>('/v1/Conversations/:conversation/Webhooks', async (request, reply) => {
      const form = formOf(request);
      const webhook = conversations.addWebhook(request.params.conversation, {
        target: formValue(form, 'Target'),
        url: formValue(form, 'Configuration.Url'),
        method: formValue(form, 'Configuration.Method'),
        filters: formValues(form, 'Configuration.Filters'),
        triggers: formValues(form, 'Configuration.Triggers'),
        flowSid: formValue(form, 'Configuration.FlowSid'),
      });
      return reply.code(201).send(webhookJson(account, webhook));
    });

    app.get<ConversationParams>('/v1/Conversations/:conversation/Webhooks', async (request) =>
      pageOf(
        conversations.get(request.params.conversation).webhooks,
        listRequestOf(request),
        'webhooks',
        (w) => webhookJson(account, w),
      ),
    );

    app.get<ChildParams>('/v1/Conversations/:conversation/Webhooks/:sid', async (request) =>
      webhookJson(account, conversations.getWebhook(request.params.conversation, request.params.sid)),
    );

    app.delete<ChildParams>('/v1/Conversations/:conversation/Webhooks/:sid', async (request, reply) => {
      conversations.removeWebhook(request.params.conversation, request.params.sid);
      return reply.code(204).send();
    });

    app.get<{ Params: { sid: string } }>('/v1/Users/:sid', async (request) =>
      userJson(account, conversations.getUser(request.params.sid)),
    );

    app.get('/v1/ParticipantConversations', async (request) => {
      const list = listRequestOf(request);
      const identity = formValue(list.query, 'Identity');
      // Lookup by Address (SMS/WhatsApp bindings) is not emulated.
      if (identity === undefined) throw missingParameter('Identity');
      return pageOf(conversations.participations(identity), list, 'conversations', ({ conversation, participant }) =>
        participantConversationJson(account, conversation, participant),
      );
    });
  },
};

function timerParams(form: FormParams) {
  return { inactive: formValue(form, 'Timers.Inactive'), closed: formValue(form, 'Timers.Closed') };
}
