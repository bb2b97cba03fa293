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
    /** Line items, asked line by line (a form's `item` key; the other fields are named by their keys). */
    line: (n: number) => string;
    product: string;
    model: string;
    quantity: string;
    unitPrice: string;
    addLine: string;
    errors: {
      /** A field that takes a record's number (`example`: C-0001). */
      recordNumber: (example: string) => string;
      /** Fields of which the command needs one, all left empty (their labels). */
      oneOf: (labels: string[]) => string;
      productName: string;
      quantityAboveZero: string;
      price: string;
      oneLine: string;
    };
  };
};
