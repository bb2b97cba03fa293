// The WeCom adapter (planned: see its issue). Returns null until it is configured and built.
import type { AdapterFactory } from '../../src/core/adapter.ts';

export const createWeComAdapter: AdapterFactory = async () => null;
