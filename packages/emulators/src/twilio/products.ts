import { conversationsApi } from './conversations/conversations-api.js';
import { conversationsConfigurationApi } from './conversations/conversations-configuration-api.js';
import { interactionsApi } from './interactions/interactions-api.js';
import { taskrouterApi } from './interactions/taskrouter-api.js';
import { legacyChatApi } from './legacy-chat/legacy-chat-api.js';
import { legacyFlexApi } from './legacy-chat/legacy-flex-api.js';
import { mcsApi } from './mcs/mcs-api.js';
import type { ProductApi } from './product-api.js';

export const PRODUCT_APIS: readonly ProductApi[] = [
  conversationsApi,
  conversationsConfigurationApi,
  interactionsApi,
  legacyFlexApi,
  legacyChatApi,
  taskrouterApi,
  mcsApi,
];
