// The DingTalk adapter (planned: see its issue). Returns null until it is configured and built.
import type { AdapterFactory } from '../../src/core/adapter.ts';

export const createDingTalkAdapter: AdapterFactory = async () => null;
