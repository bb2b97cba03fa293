// Every chat platform the bot can speak. The console is wired separately: it is on only without a platform.
import type { AdapterFactory } from '../src/core/adapter.ts';
import { loadDingTalkSettings } from './dingtalk/config.ts';
import { createDingTalkAdapter } from './dingtalk/index.ts';
import { loadSlackConfig } from './slack/config.ts';
import { createSlackAdapter } from './slack/index.ts';
import { loadWeComSettings } from './wecom/config.ts';
import { createWeComAdapter } from './wecom/index.ts';

export const adapterFactories: AdapterFactory[] = [
  createSlackAdapter,
  createDingTalkAdapter,
  createWeComAdapter,
];

/**
 * Checks every platform's settings; throws a ConfigError naming the wrong setting. Run before anything is
 * created (the data folder, the database), so a wrong setting costs nothing but the message and exit code 2.
 */
export function checkAdapterSettings(env: Record<string, string | undefined>): void {
  loadSlackConfig(env);
  loadDingTalkSettings(env);
  loadWeComSettings(env);
}
