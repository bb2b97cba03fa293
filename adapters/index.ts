// Every chat platform the bot can speak. The console is wired separately: it is on only without a platform.
import type { AdapterFactory } from '../src/core/adapter.ts';
import { createDingTalkAdapter } from './dingtalk/index.ts';
import { createSlackAdapter } from './slack/index.ts';
import { createWeComAdapter } from './wecom/index.ts';

export const adapterFactories: AdapterFactory[] = [
  createSlackAdapter,
  createDingTalkAdapter,
  createWeComAdapter,
];
