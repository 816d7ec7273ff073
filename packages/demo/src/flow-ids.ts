/*
 * Flow ids join what different sources report about the same message. A customer message is known
 * by the id the bridge gives it (`{network}:{externalMessageId}`, also its `flexBridgeId` in Flex);
 * an agent message by its Twilio MessageSid; an ended chat by its SID (conversation or channel); a
 * customer blocking the bot by the network's id for that event.
 */
export const inboundFlowId = (network: string, externalMessageId: string) => `in:${network}:${externalMessageId}`;
export const inboundFlowIdOfBridgeId = (flexBridgeId: string) => `in:${flexBridgeId}`;
export const outboundFlowId = (messageSid: string) => `out:${messageSid}`;
export const endedFlowId = (chatSid: string) => `end:${chatSid}`;
export const noticeFlowId = (outboxId: number) => `notice:${outboxId}`;
export const forgedFlowId = (webhookDeliveryId: number) => `forged:${webhookDeliveryId}`;
export const blockedFlowId = (network: string, eventId: string) => `blocked:${network}:${eventId}`;

/** Notices carry `notice-{outbox id}` as their flexBridgeId (see bridge.ts). */
export function noticeOutboxId(flexBridgeId: string): number | undefined {
  const match = /^notice-(\d+)$/.exec(flexBridgeId);
  return match ? Number(match[1]) : undefined;
}

/** `CH1a2b3c4d…`: enough of a SID to tell chats apart on screen. */
export const shortSid = (sid: string) => `${sid.slice(0, 8)}…`;
