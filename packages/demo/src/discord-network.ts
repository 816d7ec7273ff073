import type { DiscordEmulator } from '@flex-bridge/emulators';
import type { DcMessage } from '@flex-bridge/emulators';
import type { CustomerNetwork } from './customer-network.js';
import type { MessageFile } from './files.js';
import type { ButtonView } from './views.js';

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
    sendFile(userId, { name, contentType, data, caption }) {
      const message = emulator.userSendsDm(userId, { content: caption ?? '', attachments: [{ filename: name, content_type: contentType, data }] });
      return attachmentsOf(emulator, message);
    },
    onCustomerMessage(listener) {
      emulator.events.on('dm', (message) => {
        const files = message.attachments.map((a) => `${a.filename} (${a.size} bytes) on the CDN; `).join('');
        const detail = `${files}MESSAGE_CREATE sent to the bot on the gateway`;
        listener({ userId: message.author.id, externalMessageId: message.id, text: message.content, detail });
      });
    },
    onBotMessage(listener) {
      emulator.events.on('botMessage', (sent) => {
        const replied = sent.message.referenced_message;
        listener({
          userId: sent.recipientId,
          text: sent.message.content,
          files: attachmentsOf(emulator, sent.message),
          ...(replied && { inReplyTo: replied.content }),
          messageId: sent.message.id,
          buttons: buttonsOf(sent.message),
        });
      });
    },
    press(userId, messageId, data) {
      emulator.userClicks(userId, messageId, data);
    },
    onButtonsChanged(listener) {
      emulator.events.on('botMessageEdited', (message) => {
        const userId = emulator.dmRecipientOf(message.channel_id);
        if (userId) listener({ userId, messageId: message.id, buttons: buttonsOf(message) });
      });
    },
  };
}

/** The buttons of the message's action rows. */
function buttonsOf(message: DcMessage): ButtonView[] {
  const rows = message.components as { components?: { label?: string; custom_id?: string }[] }[];
  return rows.flatMap((row) => row.components ?? []).flatMap((button) => (button.custom_id ? [{ label: button.label ?? '', data: button.custom_id }] : []));
}

/** A message's attachments whose bytes the emulator serves. */
function attachmentsOf(emulator: DiscordEmulator, message: DcMessage): MessageFile[] {
  return message.attachments.flatMap((attachment) => {
    const data = emulator.attachmentContents(attachment.url);
    const contentType = attachment.content_type ?? 'application/octet-stream';
    return data ? [{ key: `discord-${attachment.id}`, name: attachment.filename, contentType, data }] : [];
  });
}
