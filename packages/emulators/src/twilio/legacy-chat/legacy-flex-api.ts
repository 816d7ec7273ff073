import type { FastifyInstance } from 'fastify';
import { formOf, listRequestOf } from '../http/api-request.js';
import { invalidParameter } from '../http/errors.js';
import { formValue, type FormParams } from '../http/form-body.js';
import { flexChannelJson, flexFlowJson } from './legacy-chat-json.js';
import { pageOf } from '../http/paging.js';
import type { ProductApi } from '../product-api.js';

interface SidParams {
  Params: { sid: string };
}

const INTEGRATION_PREFIX = 'Integration.';

/** Flex v1 at `flex-api.twilio.com`, legacy part: Flex Flows and Flex Chat Channels. */
export const legacyFlexApi: ProductApi = {
  host: 'flex-api.twilio.com',
  routes(app: FastifyInstance, { account, legacyChat: { flex } }) {
    app.post('/v1/FlexFlows', async (request, reply) => {
      const form = formOf(request);
      const flow = flex.createFlow({
        friendlyName: formValue(form, 'FriendlyName'),
        chatServiceSid: formValue(form, 'ChatServiceSid'),
        channelType: formValue(form, 'ChannelType'),
        contactIdentity: formValue(form, 'ContactIdentity'),
        enabled: booleanParam(form, 'Enabled'),
        integrationType: formValue(form, 'IntegrationType'),
        integration: integrationOf(form),
        longLived: booleanParam(form, 'LongLived'),
        janitorEnabled: booleanParam(form, 'JanitorEnabled'),
      });
      return reply.code(201).send(flexFlowJson(account, flow));
    });

    app.get('/v1/FlexFlows', async (request) => {
      const list = listRequestOf(request);
      const friendlyName = formValue(list.query, 'FriendlyName');
      const flows = flex.flows().filter((f) => friendlyName === undefined || f.friendlyName === friendlyName);
      return pageOf(flows, list, 'flex_flows', (f) => flexFlowJson(account, f));
    });

    app.get<SidParams>('/v1/FlexFlows/:sid', async (request) => flexFlowJson(account, flex.flow(request.params.sid)));

    app.post('/v1/Channels', async (request, reply) => {
      const form = formOf(request);
      const channel = flex.createChannel({
        flexFlowSid: formValue(form, 'FlexFlowSid'),
        identity: formValue(form, 'Identity'),
        chatUserFriendlyName: formValue(form, 'ChatUserFriendlyName'),
        chatFriendlyName: formValue(form, 'ChatFriendlyName'),
        target: formValue(form, 'Target'),
        chatUniqueName: formValue(form, 'ChatUniqueName'),
        preEngagementData: formValue(form, 'PreEngagementData'),
        longLived: booleanParam(form, 'LongLived'),
      });
      return reply.code(201).send(flexChannelJson(account, channel));
    });

    app.get('/v1/Channels', async (request) =>
      pageOf(flex.flexChannels(), listRequestOf(request), 'flex_chat_channels', (c) => flexChannelJson(account, c)),
    );

    app.get<SidParams>('/v1/Channels/:sid', async (request) =>
      flexChannelJson(account, flex.flexChannel(request.params.sid)),
    );

    app.delete<SidParams>('/v1/Channels/:sid', async (request, reply) => {
      flex.removeChannel(request.params.sid);
      return reply.code(204).send();
    });
  },
};

/** twilio-node sends booleans as the strings `true` and `false`. */
function booleanParam(form: FormParams, name: string): boolean | undefined {
  const value = formValue(form, name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw invalidParameter(name, 'expected true or false');
  return value === 'true';
}

/** `Integration.FlowSid=FW…` → `{ flow_sid: 'FW…' }`, the way Twilio returns the integration. */
function integrationOf(form: FormParams): Record<string, string> {
  const integration: Record<string, string> = {};
  for (const name of Object.keys(form)) {
    if (!name.startsWith(INTEGRATION_PREFIX)) continue;
    const key = name
      .slice(INTEGRATION_PREFIX.length)
      .replace(/[A-Z]/g, (c, at: number) => (at === 0 ? '' : '_') + c.toLowerCase());
    integration[key] = formValue(form, name) as string;
  }
  return integration;
}
