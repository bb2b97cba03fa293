// One message is one command. A line break outside quotes is a space, so a long command may run over
// several lines (quote new … ⏎ item=… ⏎ item=…), and inside quotes it belongs to the value. A message in
// which two lines each start a command is refused with its commands listed, never run in part.
import { LexError, tokenize } from './lexer.ts';

// Beyond this many lines a message is read as one command, as before (finding quotes is quadratic).
const MAX_LINES = 100;

/** The message cut at the line breaks that are outside quotes (each piece closes its own quotes). */
export function piecesOf(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length < 2 || lines.length > MAX_LINES) return [text];
  const pieces: string[] = [];
  let open: string | null = null;
  for (const line of lines) {
    const piece: string = open === null ? line : `${open}\n${line}`;
    if (closesQuotes(piece)) {
      pieces.push(piece);
      open = null;
    } else open = piece;
  }
  if (open !== null) pieces.push(open);
  return pieces.filter((p) => p.trim() !== '');
}

// The lexer is the one judge of quotes: a piece is closed when it does not end inside a quoted value.
function closesQuotes(piece: string): boolean {
  try {
    tokenize(piece);
    return true;
  } catch (e) {
    return !(e instanceof LexError && e.code === 'unclosed_quote');
  }
}

/**
 * The commands of a message: pieces that start a command, each with the pieces that continue it. A first
 * piece that starts none (a greeting before the commands) is left out: it is not something to resend.
 */
export function commandsOf(text: string, startsCommand: (piece: string) => boolean): string[] {
  const commands: string[] = [];
  let seen = false;
  for (const piece of piecesOf(text)) {
    const line = piece.trim().replace(/\s*\n\s*/g, ' ');
    if (startsCommand(piece)) {
      commands.push(line);
      seen = true;
    } else if (seen) commands[commands.length - 1] += ` ${line}`;
  }
  return commands;
}
