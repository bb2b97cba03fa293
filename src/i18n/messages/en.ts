// English (src/i18n/catalogue.ts).
import type { Catalogue } from '../catalogue-shape.ts';

export const en: Catalogue = {
  textOnly: 'I read text commands only; type help.',
  workingOnIt: 'Working on it…',
  typeInstead: (command) => `Type it instead: ${command}`,
  writeSomething: 'Please write something',
  done: 'Done',
  moreInText: '(more in the text command)',
  typeCommand: 'Type',
  orType: 'or type',
  replyWith: 'Reply with',
  mentionTheBot: ' (@ the bot)',
  mentionTheBotAndType: '@ the bot and type',
  form: {
    submit: 'Submit',
    cancel: 'Cancel',
    create: 'Create',
    line: (n) => `Line ${n}`,
    product: 'Product',
    model: 'Model',
    quantity: 'Quantity',
    unitPrice: 'Unit price',
    addLine: 'Add a line',
    errors: {
      recordNumber: (example) => `A number such as ${example}`,
      oneOf: (labels) => `Fill in one of: ${labels.join(', ')}`,
      productName: 'Name the product',
      quantityAboveZero: 'A quantity above 0',
      price: 'A price such as 35.5',
      oneLine: 'At least one line is needed',
    },
  },
};
