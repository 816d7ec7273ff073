import type { MessageFile, NewFile } from './files.js';
import type { ButtonView, Network } from './views.js';

export interface NewPerson {
  readonly userId: string;
  readonly username: string;
  readonly firstName: string;
  readonly lastName: string;
  /** The language the person's app is set to, where the network tells bots (Telegram's `language_code`). */
  readonly language?: string;
}

/** A customer's message as their network saw it; `externalMessageId` is the id the bridge's adapter gives it. */
export interface SentByCustomer {
  readonly userId: string;
  readonly externalMessageId: string;
  /** The text, or the caption of a file. */
  readonly text: string;
  /** What the network did with it, in its own words (e.g. `update 7 queued for the bot`). */
  readonly detail: string;
}

export interface ReceivedByCustomer {
  readonly userId: string;
  /** The text, or the caption of the files. */
  readonly text: string;
  readonly files: readonly MessageFile[];
  /** The text of the message this answers, when the bot sent it as a native reply. */
  readonly inReplyTo?: string;
  readonly messageId: string;
  readonly buttons: readonly ButtonView[];
}

/** The bot changed the buttons under one of its messages (took them off once one was pressed). */
export interface ButtonsChanged {
  readonly userId: string;
  readonly messageId: string;
  readonly buttons: readonly ButtonView[];
}

/** The person blocked or unblocked the bot, as the network tells the bot. */
export interface BlockChange {
  readonly userId: string;
  readonly blocked: boolean;
  /** The network's id for the event, e.g. Telegram's update_id. */
  readonly eventId: string;
  /** What the network told the bot, in its own words. */
  readonly detail: string;
}

/** A network where a person can block the bot; writing to it again unblocks it. */
export interface Blocking {
  block(userId: string): void;
  onChange(listener: (change: BlockChange) => void): void;
}

/**
 * The customers' side of one emulated network, as the console plays it: every call goes through the
 * emulator exactly as a real client would, never straight into the bridge.
 */
export interface CustomerNetwork {
  readonly network: Network;
  /** Registers the person with the network; returns the display name the bridge will see. */
  addPerson(person: NewPerson): string;
  send(userId: string, text: string): void;
  /** Sends a file as the network's app does (a picture as a photo on Telegram); returns it as the network stored it. */
  sendFile(userId: string, file: NewFile): MessageFile[];
  onCustomerMessage(listener: (sent: SentByCustomer) => void): void;
  onBotMessage(listener: (received: ReceivedByCustomer) => void): void;
  /** The customer presses a button under the bot's message, as the network's app does (a callback query, an interaction). */
  press(userId: string, messageId: string, data: string): void;
  onButtonsChanged(listener: (changed: ButtonsChanged) => void): void;
  /** Present where the console can play a customer blocking the bot (Telegram). */
  readonly blocking?: Blocking;
}
