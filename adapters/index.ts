// Every chat platform the bot can speak: one line each. The composition root builds the configured ones
// through this registry (src/runtime.ts); src/ names none of them. The console is wired separately: it is
// on only without a platform (or with CONSOLE=on).
import { AdapterRegistry } from '../src/port/index.ts';
import { dingtalk } from './dingtalk/index.ts';
import { email } from './email/index.ts';
import { feishu } from './feishu/index.ts';
import { slack } from './slack/index.ts';
import { wecom } from './wecom/index.ts';

export const adapters = new AdapterRegistry([slack, dingtalk, wecom, feishu, email]);
