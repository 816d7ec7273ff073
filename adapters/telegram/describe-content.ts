import type { Message } from 'telegraf/types';

/** Content without a file, as text the agent can read: stickers, locations, venues, contacts, polls, dice. */
export function describeContent(message: Message): string | undefined {
  if ('sticker' in message) return `sticker ${message.sticker.emoji ?? ''}`.trim();
  if ('venue' in message) {
    const { venue } = message;
    return `📍 ${venue.title}, ${venue.address} (${coordinates(venue.location)})`;
  }
  if ('location' in message) {
    const live = 'live_period' in message.location ? ' (shared live: its later positions are not passed on)' : '';
    return `📍 location ${coordinates(message.location)}${live}`;
  }
  if ('contact' in message) {
    const { contact } = message;
    const name = [contact.first_name, contact.last_name].filter(Boolean).join(' ');
    return `👤 contact ${name} ${contact.phone_number}`;
  }
  if ('poll' in message) {
    const { poll } = message;
    return [`📊 poll: ${poll.question}`, ...poll.options.map((o) => `- ${o.text}`)].join('\n');
  }
  if ('dice' in message) return `🎲 ${message.dice.emoji} rolled ${message.dice.value}`;
  return undefined;
}

/** With a link the agent can open: `52.52, 13.405 (https://maps.google.com/?q=52.52,13.405)`. */
function coordinates({ latitude, longitude }: { latitude: number; longitude: number }): string {
  return `${latitude}, ${longitude} (https://maps.google.com/?q=${latitude},${longitude})`;
}
