import type { TelegramEmulator } from '@flex-bridge/emulators';
import type { TgMessage } from '@flex-bridge/emulators';
import type { CustomerNetwork } from './customer-network.js';
import { telegramFilesOf } from './telegram-files.js';
import type { ButtonView } from './views.js';

interface ChatMemberUpdate {
  readonly from: { readonly id: number };
  readonly new_chat_member: { readonly status: string };
}

/** Customers on the Telegram Bot API emulator; the bridge reads their messages with getUpdates. */
export function telegramNetwork(emulator: TelegramEmulator): CustomerNetwork {
  return {
    network: 'telegram',
    addPerson({ userId, username, firstName, lastName, language }) {
      emulator.addUser({ id: userId, username, first_name: firstName, last_name: lastName, ...(language ? { language_code: language } : {}) });
      return `${firstName} ${lastName}`;
    },
    send(userId, text) {
      emulator.userSends(userId, text);
    },
    sendFile(userId, { name, contentType, data, caption }) {
      // The Telegram app sends pictures as photos, anything else as a document.
      const kind = contentType.startsWith('image/') ? 'photo' : 'document';
      const message = emulator.userSendsFile(userId, { kind, data, fileName: name, mimeType: contentType, ...(caption ? { caption } : {}) });
      return telegramFilesOf(emulator, message);
    },
    onCustomerMessage(listener) {
      emulator.events.on('update', (update) => {
        const message = update.message as TgMessage | undefined;
        if (!message?.from) return;
        listener({
          userId: String(message.from.id),
          // The Telegram adapter's id for a message: private chat id and message id.
          externalMessageId: `${message.chat.id}:${message.message_id}`,
          text: message.text ?? captionOf(message),
          detail: `${fileNote(emulator, message)}update ${update.update_id} queued for the bot`,
        });
      });
    },
    onBotMessage(listener) {
      emulator.events.on('botMessage', (message) => {
        const replied = message.reply_to_message as TgMessage | undefined;
        listener({
          userId: String(message.chat.id),
          text: message.text ?? captionOf(message),
          files: telegramFilesOf(emulator, message),
          ...(replied && { inReplyTo: replied.text ?? captionOf(replied) }),
          messageId: String(message.message_id),
          buttons: buttonsOf(message),
        });
      });
    },
    press(userId, messageId, data) {
      emulator.userPresses(userId, Number(messageId), data);
    },
    onButtonsChanged(listener) {
      emulator.events.on('botMessageEdited', (message) =>
        listener({ userId: String(message.chat.id), messageId: String(message.message_id), buttons: buttonsOf(message) }),
      );
    },
    blocking: {
      block(userId) {
        emulator.blockBot(userId);
      },
      onChange(listener) {
        emulator.events.on('update', (update) => {
          const change = update.my_chat_member as ChatMemberUpdate | undefined;
          if (!change) return;
          const status = change.new_chat_member.status;
          listener({
            userId: String(change.from.id),
            blocked: status === 'kicked',
            eventId: String(update.update_id),
            detail: `update ${update.update_id} (my_chat_member, status “${status}”) queued for the bot`,
          });
        });
      },
    },
  };
}

/** The inline keyboard's buttons, row after row. */
function buttonsOf(message: TgMessage): ButtonView[] {
  const keyboard = (message.reply_markup as { inline_keyboard?: { text: string; callback_data: string }[][] } | undefined)?.inline_keyboard ?? [];
  return keyboard.flat().map((button) => ({ label: button.text, data: button.callback_data }));
}

const captionOf = (message: TgMessage) => (typeof message.caption === 'string' ? message.caption : '');

/** `sample-photo.png (945 bytes) stored for getFile; ` for a message with a file. */
function fileNote(emulator: TelegramEmulator, message: TgMessage): string {
  const [file] = telegramFilesOf(emulator, message);
  return file ? `${file.name} (${file.data.length} bytes) stored for getFile; ` : '';
}
