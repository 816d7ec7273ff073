import type { FastifyInstance } from 'fastify';
import type { ConversationService } from './conversations.js';
import { conversationsApi } from './conversations-api.js';
import { conversationsConfigurationApi } from './conversations-configuration-api.js';
import type { InteractionService } from './interactions.js';
import { interactionsApi } from './interactions-api.js';
import type { LegacyChat } from './legacy-chat.js';
import { legacyChatApi } from './legacy-chat-api.js';
import { legacyFlexApi } from './legacy-flex-api.js';
import { mcsApi } from './mcs-api.js';
import type { MediaStore } from './mcs.js';
import type { EmulatedAccount } from './state.js';
import { taskrouterApi } from './taskrouter-api.js';

export interface ProductContext {
  account: EmulatedAccount;
  conversations: ConversationService;
  interactions: InteractionService;
  legacyChat: LegacyChat;
  media: MediaStore;
}

/** The routes of one Twilio product, served under `/{host}` (several products may share a host). */
export interface ProductApi {
  host: string;
  routes: (app: FastifyInstance, context: ProductContext) => void;
}

export const PRODUCT_APIS: readonly ProductApi[] = [
  conversationsApi,
  conversationsConfigurationApi,
  interactionsApi,
  legacyFlexApi,
  legacyChatApi,
  taskrouterApi,
  mcsApi,
];
