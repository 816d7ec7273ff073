import type { FastifyInstance } from 'fastify';
import { formOf, listRequestOf } from '../http/api-request.js';
import { invalidParameter, missingParameter } from '../http/errors.js';
import { formValue, type FormParams } from '../http/form-body.js';
import { interactionChannelJson, interactionJson } from './interactions-json.js';
import { pageOf } from '../http/paging.js';
import type { ProductApi } from '../product-api.js';

interface InteractionParams {
  Params: { interaction: string };
}
interface ChannelParams {
  Params: { interaction: string; channel: string };
}

/** Flex Interactions v1 at `flex-api.twilio.com`. */
export const interactionsApi: ProductApi = {
  host: 'flex-api.twilio.com',
  routes(app: FastifyInstance, { interactions }) {
    // Twilio answers 200, not 201: the interaction is accepted, its setup runs asynchronously.
    app.post('/v1/Interactions', async (request) => {
      const form = formOf(request);
      const channel = jsonObjectParam(form, 'Channel');
      if (channel === undefined) throw missingParameter('Channel');
      const interaction = interactions.create(channel, jsonObjectParam(form, 'Routing') ?? {});
      return interactionJson(interaction);
    });

    app.get<InteractionParams>('/v1/Interactions/:interaction', async (request) =>
      interactionJson(interactions.get(request.params.interaction)),
    );

    app.get<InteractionParams>('/v1/Interactions/:interaction/Channels', async (request) =>
      pageOf(
        interactions.get(request.params.interaction).channels,
        listRequestOf(request),
        'channels',
        interactionChannelJson,
      ),
    );

    app.get<ChannelParams>('/v1/Interactions/:interaction/Channels/:channel', async (request) =>
      interactionChannelJson(interactions.channel(request.params.interaction, request.params.channel)),
    );

    app.post<ChannelParams>('/v1/Interactions/:interaction/Channels/:channel', async (request) => {
      const form = formOf(request);
      const routingStatus = jsonObjectParam(form, 'Routing')?.status;
      const channel = interactions.updateChannel(request.params.interaction, request.params.channel, {
        status: formValue(form, 'Status'),
        routingStatus: typeof routingStatus === 'string' ? routingStatus : undefined,
      });
      return interactionChannelJson(channel);
    });
  },
};

/** `Channel` and `Routing` arrive as JSON strings in the form. */
function jsonObjectParam(form: FormParams, name: string): Record<string, unknown> | undefined {
  const raw = formValue(form, name);
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidParameter(name, 'must be a JSON object');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidParameter(name, 'must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
