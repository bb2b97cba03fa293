// Every command the bot understands. Adding a flow means adding its commands here.
import { CommandTable } from '../commands/parse.ts';
import type { AnyCommand, CommandSpec } from '../commands/spec.ts';
import type { FlowContext } from '../core/context.ts';
import { registerAssessmentHook } from '../kpi/assessment.ts';
import { measuredCorrection, measuredQuote } from '../kpi/measured-subjects.ts';
import { registerRectifyHooks } from '../rectify/notices.ts';
import { webCommands } from '../web/command.ts';
import { adminCommands } from './admin.ts';
import { adminPersonCommands } from './admin-person.ts';
import { approvalCommands } from './approval.ts';
import { assignmentRuleCommands } from './assignment-rules.ts';
import { auditCommands } from './audit.ts';
import { auditSampleCommands } from './audit-sample.ts';
import { backupCommands } from './backup.ts';
import { correctionSubject, customerCommands } from './customer.ts';
import { customerContactCommands } from './customer-contacts.ts';
import { customerFindCommands } from './customer-find.ts';
import { helpCommands } from './help.ts';
import { intelCommands } from './intel.ts';
import { leadCommands } from './lead.ts';
import { registerMailReminderHooks } from './mail-reminders.ts';
import { meCommands } from './me.ts';
import { orderCommands } from './order.ts';
import {
  orderApprovalCommands,
  orderCancelSubject,
  orderChangeSubject,
  orderSubject,
} from './order-approval.ts';
import { orderCollectionCommands } from './order-collection.ts';
import { orderExecutionCommands } from './order-execution.ts';
import { quoteCommands, quoteSubject } from './quote.ts';
import { quoteReviseCommands } from './quote-revise.ts';
import { rectifyCommands } from './rectify.ts';
import { remindCommands } from './remind.ts';
import { registerReminderHooks } from './reminder-sources.ts';
import { reportKpiCommands } from './report-kpi.ts';
import { registerReportHooks, reportSummaryCommands } from './report-summary.ts';
import { registerSubject } from './subjects.ts';

registerSubject('quote', measuredQuote(quoteSubject));
registerSubject('order', orderSubject);
registerSubject('order_change', orderChangeSubject);
registerSubject('order_cancel', orderCancelSubject);
registerSubject('customer_correction', measuredCorrection(correctionSubject));
registerReminderHooks();
registerMailReminderHooks();
registerAssessmentHook();
registerReportHooks();
registerRectifyHooks();

/**
 * What a channel offers beside typing, marked here once for every channel (the command metadata,
 * src/commands/metadata.ts, hands it to them): the commands work starts with, whose nouns get an entry point
 * of their own, and the commands asked as a form when typed with nothing after them, with the keys it asks.
 */
const MARKS: Record<string, Pick<CommandSpec<never, FlowContext>, 'entry' | 'form'>> = {
  'lead add': { entry: true },
  'quote new': {
    entry: true,
    form: {
      keys: ['customer', 'item', 'valid', 'tax', 'delivery', 'payment', 'note'],
      oneOf: [['customer', 'lead']],
    },
  },
  'order new': {
    entry: true,
    form: {
      keys: ['customer', 'from', 'item', 'delivery', 'place', 'payment', 'note'],
      oneOf: [['customer', 'from']],
    },
  },
};

function marked(commands: AnyCommand<FlowContext>[]): AnyCommand<FlowContext>[] {
  const named = new Set(commands.map((c) => `${c.noun} ${c.verbs[0] ?? ''}`));
  for (const name of Object.keys(MARKS)) if (!named.has(name)) throw new Error(`MARKS: no command "${name}"`);
  return commands.map((c) => {
    const marks = MARKS[`${c.noun} ${c.verbs[0] ?? ''}`];
    return marks ? { ...c, ...marks } : c;
  });
}

export function commandTable(): CommandTable<FlowContext> {
  return new CommandTable<FlowContext>(
    marked([
      ...customerCommands,
      ...leadCommands,
      ...quoteCommands,
      ...orderCommands,
      ...orderApprovalCommands,
      ...orderExecutionCommands,
      ...orderCollectionCommands,
      ...customerContactCommands,
      ...customerFindCommands,
      ...quoteReviseCommands,
      ...approvalCommands,
      ...remindCommands,
      ...intelCommands,
      ...adminCommands,
      ...adminPersonCommands,
      ...assignmentRuleCommands,
      ...auditCommands,
      ...backupCommands,
      ...auditSampleCommands,
      ...rectifyCommands,
      ...reportSummaryCommands,
      ...reportKpiCommands,
      ...meCommands,
      ...webCommands,
      ...helpCommands,
    ]),
  );
}
