// Every command the bot understands. Adding a flow means adding its commands here.
import { CommandTable } from '../commands/parse.ts';
import type { FlowContext } from '../core/context.ts';
import { adminCommands } from './admin.ts';
import { customerCommands } from './customer.ts';
import { helpCommands } from './help.ts';
import { intelCommands } from './intel.ts';
import { leadCommands } from './lead.ts';
import { meCommands } from './me.ts';
import { orderCommands } from './order.ts';
import { quoteCommands } from './quote.ts';

export function commandTable(): CommandTable<FlowContext> {
  return new CommandTable<FlowContext>([
    ...customerCommands,
    ...leadCommands,
    ...quoteCommands,
    ...orderCommands,
    ...intelCommands,
    ...adminCommands,
    ...meCommands,
    ...helpCommands,
  ]);
}
