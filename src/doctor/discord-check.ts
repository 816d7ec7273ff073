import type { Config } from '../config.js';
import { fail, pass, skip, type CheckResult } from './check.js';
import { request } from './http.js';

interface GatewayBot {
  readonly session_start_limit?: { readonly total: number; readonly remaining: number; readonly reset_after: number };
}

/** The token logs in (GET /users/@me) and the gateway still allows logins today (GET /gateway/bot). */
export async function checkDiscord(config: Pick<Config, 'DISCORD_BOT_TOKEN' | 'DISCORD_API_BASE_URL'>): Promise<CheckResult[]> {
  const token = config.DISCORD_BOT_TOKEN;
  if (!token) return [skip('discord', 'DISCORD_BOT_TOKEN not set')];
  const get = (path: string) => request(`${config.DISCORD_API_BASE_URL}/v10${path}`, { headers: { authorization: `Bot ${token}` } });
  try {
    const me = await get('/users/@me');
    if (me.status === 401) return [fail('discord', 'Discord rejected DISCORD_BOT_TOKEN (401)')];
    if (me.status !== 200) return [fail('discord', `GET /users/@me answered ${me.status}`)];
    const { username, id } = me.body as { username?: string; id?: string };
    const gateway = await get('/gateway/bot');
    if (gateway.status !== 200) return [fail('discord', `bot ${username} (id ${id}) logged in, but GET /gateway/bot answered ${gateway.status}`)];
    const limit = (gateway.body as GatewayBot).session_start_limit;
    const logins = limit ? `; ${limit.remaining} of ${limit.total} gateway logins left today` : '';
    if (limit && limit.remaining === 0) {
      return [fail('discord', `bot ${username} (id ${id}): no gateway logins left until ${Math.ceil(limit.reset_after / 60_000)} min from now`)];
    }
    return [pass('discord', `token accepted: bot ${username} (id ${id})${logins}`)];
  } catch (err) {
    return [fail('discord', `cannot reach ${config.DISCORD_API_BASE_URL}: ${(err as Error).message}`)];
  }
}
