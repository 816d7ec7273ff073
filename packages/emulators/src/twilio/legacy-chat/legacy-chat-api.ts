import type { FastifyInstance } from 'fastify';
import { formOf, listRequestOf, originOf } from '../http/api-request.js';
import { invalidParameter } from '../http/errors.js';
import { formValue, formValues } from '../http/form-body.js';
import { chatChannelJson, chatMessageJson, chatUserJson, chatWebhookJson } from './legacy-chat-json.js';
import { MAX_WEBHOOKS_PER_CHANNEL } from './legacy-chat-service.js';
import { pageOf } from '../http/paging.js';
import type { ProductApi } from '../product-api.js';

interface ChannelParams {
  Params: { service: string; channel: string };
}

interface UserParams {
  Params: { service: string; user: string };
}

const CHANNEL = '/v2/Services/:service/Channels/:channel';

/** Programmable Chat v2 at `chat.twilio.com`: the channel, its scoped webhooks and its messages, and users. */
export const legacyChatApi: ProductApi = {
  host: 'chat.twilio.com',
  routes(app: FastifyInstance, { account, legacyChat: { chat } }) {
    const channelOf = (params: ChannelParams['Params']) => chat.get(params.service, params.channel);

    app.get<ChannelParams>(CHANNEL, async (request) => chatChannelJson(account, channelOf(request.params)));

    app.post<ChannelParams>(CHANNEL, async (request) => {
      const form = formOf(request);
      const channel = chat.update(
        channelOf(request.params),
        {
          friendlyName: formValue(form, 'FriendlyName'),
          uniqueName: formValue(form, 'UniqueName'),
          attributes: formValue(form, 'Attributes'),
        },
        originOf(request),
      );
      return chatChannelJson(account, channel);
    });

    app.get<ChannelParams>(`${CHANNEL}/Webhooks`, async (request) => {
      const channel = channelOf(request.params);
      const list = listRequestOf(request);
      const pageSize = formValue(list.query, 'PageSize');
      if (pageSize !== undefined && Number(pageSize) > MAX_WEBHOOKS_PER_CHANNEL) {
        throw invalidParameter('PageSize', `at most ${MAX_WEBHOOKS_PER_CHANNEL} for channel webhooks`);
      }
      const query = { PageSize: String(MAX_WEBHOOKS_PER_CHANNEL), ...list.query };
      return pageOf(channel.webhooks, { ...list, query }, 'webhooks', (w) => chatWebhookJson(account, channel, w));
    });

    app.post<ChannelParams>(`${CHANNEL}/Webhooks`, async (request, reply) => {
      const form = formOf(request);
      const channel = channelOf(request.params);
      const webhook = chat.addWebhook(channel, {
        type: formValue(form, 'Type'),
        url: formValue(form, 'Configuration.Url'),
        method: formValue(form, 'Configuration.Method'),
        filters: formValues(form, 'Configuration.Filters'),
        triggers: formValues(form, 'Configuration.Triggers'),
        flowSid: formValue(form, 'Configuration.FlowSid'),
        retryCount: formValue(form, 'Configuration.RetryCount'),
      });
      return reply.code(201).send(chatWebhookJson(account, channel, webhook));
    });

    app.post<ChannelParams>(`${CHANNEL}/Messages`, async (request, reply) => {
      const form = formOf(request);
      const channel = channelOf(request.params);
      const message = chat.addMessage(
        channel,
        {
          from: formValue(form, 'From'),
          body: formValue(form, 'Body'),
          attributes: formValue(form, 'Attributes'),
          mediaSid: formValue(form, 'MediaSid'),
        },
        originOf(request),
      );
      return reply.code(201).send(chatMessageJson(account, channel, message));
    });

    app.get<UserParams>('/v2/Services/:service/Users/:user', async (request) =>
      chatUserJson(account, request.params.service, chat.userOf(request.params.service, request.params.user)),
    );

    app.get<ChannelParams>(`${CHANNEL}/Messages`, async (request) => {
      const channel = channelOf(request.params);
      const list = listRequestOf(request);
      const order = formValue(list.query, 'Order') ?? 'asc';
      if (order !== 'asc' && order !== 'desc') throw invalidParameter('Order', 'expected asc or desc');
      const ordered = order === 'asc' ? channel.messages : [...channel.messages].reverse();
      return pageOf(ordered, list, 'messages', (m) => chatMessageJson(account, channel, m));
    });
  },
};
