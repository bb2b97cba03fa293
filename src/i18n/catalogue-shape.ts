// What the message catalogue holds (src/i18n/catalogue.ts): each language's file gives all of it.

export type Catalogue = {
  /** A platform event that is not text (a picture, a voice note), answered before the person's language is known. */
  textOnly: string;
  /** A button's press taking longer than the platform waits for its answer. */
  workingOnIt: string;
  /** A button whose form could not be opened: the command to type instead. */
  typeInstead: (command: string) => string;
  /** A required form field left empty. */
  writeSomething: string;
  /** The one button left on a card that has been acted on. */
  done: string;
  /** A card cut to the platform's size. */
  moreInText: string;
  /** A card as text: how to use its buttons by typing. */
  typeCommand: string;
  orType: string;
  replyWith: string;
  /** In a group, where the bot hears only messages that mention it. */
  mentionTheBot: string;
  mentionTheBotAndType: string;
  form: {
    submit: string;
    cancel: string;
    create: string;
    newQuote: string;
    newOrder: string;
    customer: string;
    fromQuote: string;
    line: (n: number) => string;
    product: string;
    model: string;
    quantity: string;
    unitPrice: string;
    addLine: string;
    validUntil: string;
    tax: string;
    taxIncluded: string;
    taxExcluded: string;
    deliveryDate: string;
    deliveryPlace: string;
    paymentTerms: string;
    note: string;
    errors: {
      customerNumber: string;
      quoteNumber: string;
      customerOrQuote: string;
      productName: string;
      quantityAboveZero: string;
      price: string;
      oneLine: string;
    };
  };
};
