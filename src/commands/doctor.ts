import { ConfigError, loadConfig, secretValues, type Config } from '../config.js';
import { fail, pass, type CheckResult } from '../doctor/check.js';
import { checkDatabase } from '../doctor/database-check.js';
import { checkDiscord } from '../doctor/discord-check.js';
import { checkPublicUrl } from '../doctor/public-url-checks.js';
import { formatReport } from '../doctor/report.js';
import { checkTelegram } from '../doctor/telegram-checks.js';
import { checkTwilio } from '../doctor/twilio-checks.js';
import type { Command } from './command.js';

export const doctor: Command = {
  name: 'doctor',
  summary: 'check the configuration, database, Telegram, Twilio, Discord and PUBLIC_BASE_URL; exit 1 if any check fails',
  usage: `flex-bridge doctor

Reads the configuration like \`flex-bridge start\` and checks, printing PASS, FAIL or SKIP for each:
  config              every setting is valid
  database, outbox    DATABASE_URL opens and answers; what is pending or dead-lettered
  telegram bot        getMe accepts TELEGRAM_BOT_TOKEN
  telegram updates    getWebhookInfo fits TELEGRAM_MODE: no webhook when polling, the bridge's URL
                      when in webhook mode; pending updates and Telegram's last delivery error
  twilio credentials  TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN can list conversations
  FLEX_…_SID          each SID the Flex mode uses exists in the account
  public url          GET PUBLIC_BASE_URL/healthz reaches a running bridge
  twilio signatures   that bridge accepts a webhook signed as Twilio signs it for PUBLIC_BASE_URL
  discord             DISCORD_BOT_TOKEN logs in and gateway logins are left
Run it where the bridge runs (e.g. \`docker compose exec bridge flex-bridge doctor\`): the public url
checks need the bridge up. Exits 1 when a check fails. Never prints tokens.`,
  async run() {
    let config: Config;
    try {
      config = loadConfig();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const problems = err.problems.map((p) => fail('config', `${p.key}: ${p.message}`));
      console.log(formatReport(problems, []));
      return 1;
    }
    const checks = await Promise.all([
      checkDatabase(config.DATABASE_URL),
      checkTelegram(config),
      checkTwilio(config),
      checkPublicUrl(config),
      checkDiscord(config),
    ]);
    const results: CheckResult[] = [pass('config', describeConfig(config)), ...checks.flat()];
    // formatReport masks every configured credential in what the checks say.
    const report = formatReport(results, secretValues(config));
    console.log(report);
    return results.some((r) => r.status === 'fail') ? 1 : 0;
  },
};

function describeConfig(config: Config): string {
  const networks = [config.TELEGRAM_BOT_TOKEN && `telegram (${config.TELEGRAM_MODE})`, config.DISCORD_BOT_TOKEN && 'discord'].filter(Boolean);
  const source = process.env.CONFIG_FILE ? `environment and ${process.env.CONFIG_FILE}` : 'environment';
  return `valid (${source}): FLEX_MODE=${config.FLEX_MODE}; networks: ${networks.join(', ')}; PUBLIC_BASE_URL=${config.PUBLIC_BASE_URL}`;
}
