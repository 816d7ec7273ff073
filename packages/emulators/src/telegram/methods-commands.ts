import { badRequest } from './api-error.js';
import { ok, type MethodHandler } from './bot-context.js';
import type { BotApiParams } from './params.js';
import type { TgBotCommand } from './types.js';

const MAX_COMMANDS = 100;
const COMMAND = /^[a-z0-9_]{1,32}$/;
const MAX_DESCRIPTION_LENGTH = 256;

/**
 * `setMyCommands` (https://core.telegram.org/bots/api#setmycommands): at most 100 BotCommands, each a
 * `command` of 1–32 lowercase letters, digits and underscores and a `description` of 1–256 characters,
 * kept per scope and `language_code`. Without `commands` the list is set empty, as Telegram does.
 * Refusals carry the errors of the method underneath (https://core.telegram.org/method/bots.setBotCommands).
 */
export const setMyCommands: MethodHandler = ({ params }, { state }) => {
  const commands = commandsOf(params);
  if (commands.length > MAX_COMMANDS) throw badRequest('BOT_COMMANDS_TOO_MUCH');
  for (const { command, description } of commands) {
    if (!COMMAND.test(command)) throw badRequest('BOT_COMMAND_INVALID');
    if (description.trim() === '' || Array.from(description).length > MAX_DESCRIPTION_LENGTH) throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
  }
  state.setCommands(listKey(params), commands);
  return ok(true);
};

/** `getMyCommands`: the list for the scope and language, empty when none was set. */
export const getMyCommands: MethodHandler = ({ params }, { state }) => ok(state.commands(listKey(params)));

/** `deleteMyCommands`: the scope and language fall back to the lists of wider ones. */
export const deleteMyCommands: MethodHandler = ({ params }, { state }) => {
  state.setCommands(listKey(params), []);
  return ok(true);
};

function commandsOf(params: BotApiParams): TgBotCommand[] {
  const raw = params.raw('commands');
  if (raw === undefined) return [];
  let list: unknown = raw;
  if (typeof raw === 'string') {
    try {
      list = JSON.parse(raw);
    } catch {
      throw badRequest("can't parse commands JSON object");
    }
  }
  if (!Array.isArray(list)) throw badRequest('field "commands" must be of type Array');
  return list.map((item: unknown) => {
    const { command, description } = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof command !== 'string') throw badRequest(`can't parse BotCommand: Can't find field "command"`);
    if (typeof description !== 'string') throw badRequest(`can't parse BotCommand: Can't find field "description"`);
    return { command, description };
  });
}

/** Lists are kept per scope (its JSON, the default scope when absent) and language code. */
function listKey(params: BotApiParams): string {
  const raw = params.raw('scope') ?? { type: 'default' };
  let scope: unknown = raw;
  if (typeof raw === 'string') {
    try {
      scope = JSON.parse(raw);
    } catch {
      throw badRequest("can't parse scope JSON object");
    }
  }
  const scopeKey = JSON.stringify(scope);
  return `${scopeKey}|${params.string('language_code') ?? ''}`;
}
