import pino, { type Logger } from 'pino';

/** Structured logs; readable in a terminal, JSON elsewhere. Secrets are redacted by key name. */
export function createLogger(level: string): Logger {
  const pretty = process.stdout.isTTY && level !== 'silent';
  return pino({
    level,
    redact: {
      paths: ['*.token', '*.secret', '*.password', '*.authorization', 'config.databaseUrl'],
      censor: '[redacted]',
    },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
          },
        }
      : {}),
  });
}
