/** What tools beside the bridge (the demo console, the benchmark) use of it. */
export { startApp, type AppObserver, type RunningApp } from './app.js';
export { loadConfig, secretValues, type Config } from './config.js';
export { handleOf } from './core/messages.js';
export { createLegacyFlexFlow } from './flex/legacy-chat-flow.js';
export { createTwilioClient } from './flex/twilio-client.js';
export { createLogger, type Logger } from './log.js';
