import type { ProductApi } from '../product-api.js';

/** `GET /v1/Configuration`: the account's default Conversations service, whose MCS holds the media. */
export const conversationsConfigurationApi: ProductApi = {
  host: 'conversations.twilio.com',
  routes(app, { account }) {
    app.get('/v1/Configuration', async () => ({
      account_sid: account.accountSid,
      default_chat_service_sid: account.chatServiceSid,
      default_messaging_service_sid: account.messagingServiceSid,
      default_inactive_timer: null,
      default_closed_timer: null,
      url: 'https://conversations.twilio.com/v1/Configuration',
      links: {},
    }));
  },
};
