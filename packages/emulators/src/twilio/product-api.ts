import type { FastifyInstance } from 'fastify';
import type { ConversationService } from './conversations/conversations.js';
import type { ApiTasks } from './interactions/api-tasks.js';
import type { InteractionService } from './interactions/interactions.js';
import type { LegacyChat } from './legacy-chat/legacy-chat.js';
import type { MediaStore } from './mcs/mcs.js';
import type { EmulatedAccount } from './state.js';

export interface ProductContext {
  account: EmulatedAccount;
  conversations: ConversationService;
  interactions: InteractionService;
  apiTasks: ApiTasks;
  legacyChat: LegacyChat;
  media: MediaStore;
}

/** The routes of one Twilio product, served under `/{host}` (several products may share a host). */
export interface ProductApi {
  host: string;
  routes: (app: FastifyInstance, context: ProductContext) => void;
}
