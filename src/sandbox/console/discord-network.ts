import type { DiscordEmulator } from '../discord/emulator.js';
import type { CustomerNetwork } from './customer-network.js';

/** Customers who DM the bot on the Discord emulator; the bridge hears them on the gateway. */
export function discordNetwork(emulator: DiscordEmulator): CustomerNetwork {
  return {
    network: 'discord',
    addPerson({ userId, username, firstName, lastName }) {
      const displayName = `${firstName} ${lastName}`;
      emulator.addUser({ id: userId, username, global_name: displayName });
      return displayName;
    },
    send(userId, text) {
      emulator.userSendsDm(userId, text);
    },
    onCustomerMessage(listener) {
      emulator.events.on('dm', (message) => {
        const detail = 'MESSAGE_CREATE sent to the bot on the gateway';
        listener({ userId: message.author.id, externalMessageId: message.id, text: message.content, detail });
      });
    },
    onBotMessage(listener) {
      emulator.events.on('botMessage', (sent) => listener({ userId: sent.recipientId, text: sent.message.content }));
    },
  };
}
