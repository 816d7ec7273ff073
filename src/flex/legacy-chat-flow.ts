import type twilio from 'twilio';

export interface LegacyFlexFlowRequest {
  readonly friendlyName: string;
  readonly chatServiceSid: string;
  /** The Studio flow (`FW…`) that ends in "Send to Flex": it creates the task on a chat's first message. */
  readonly studioFlowSid: string;
  readonly contactIdentity: string;
}

/**
 * The Flex Flow legacy-chat mode opens channels on: a custom channel routed through Studio, like
 * `twilio api:flex:v1:flex-flows:create --channel-type=custom --integration-type=studio …`.
 */
export async function createLegacyFlexFlow(client: twilio.Twilio, req: LegacyFlexFlowRequest): Promise<string> {
  const flow = await client.flexApi.v1.flexFlow.create({
    friendlyName: req.friendlyName,
    chatServiceSid: req.chatServiceSid,
    channelType: 'custom',
    integrationType: 'studio',
    'integration.flowSid': req.studioFlowSid,
    contactIdentity: req.contactIdentity,
    enabled: true,
  });
  return flow.sid;
}
