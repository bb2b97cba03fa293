// A real SMTP server in the test process (smtp-server), with what arrived parsed by mailparser. Answers
// can be scripted per recipient: a 4xx for the next n tries (greylisting, "try again later") or a 5xx
// for good (no such mailbox), given at RCPT TO as a real server does; the whole server can be busy (421 at
// the greeting, as an overloaded server closes the connection) or down (nothing listens: connection
// refused).
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type Received = ParsedMail & { envelopeTo: string[] };

type Rule = { code: number; message: string; times: number };

export class FakeSmtp {
  readonly received: Received[] = [];
  /** Refusals given, per recipient (each RCPT TO answered with a scripted code). */
  readonly refusals: { to: string; code: number }[] = [];
  private readonly rules = new Map<string, Rule>();
  private server: SMTPServer | null = null;
  private busyFor = 0;
  port = 0;

  /** The next `n` connections are answered 421 at the greeting and closed (an overloaded server). */
  busy(n: number): void {
    this.busyFor = n;
  }

  /** Stops listening: connections are refused (ECONNREFUSED) until up(). */
  async down(): Promise<void> {
    await new Promise<void>((resolve) => this.server!.server.close(() => resolve()));
  }

  /** Listens again, on the same port. */
  async up(): Promise<void> {
    await new Promise<void>((resolve) => this.server!.server.listen(this.port, '127.0.0.1', resolve));
  }

  /** The next `times` deliveries to `to` are answered `code` (Infinity: always). */
  refuse(to: string, code: number, message: string, times = Number.POSITIVE_INFINITY): void {
    this.rules.set(to.toLowerCase(), { code, message, times });
  }

  async start(): Promise<number> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onConnect: (_session, cb) => {
        if (this.busyFor <= 0) return cb();
        this.busyFor -= 1;
        this.refusals.push({ to: '*', code: 421 });
        cb(
          Object.assign(new Error('Service not available, closing transmission channel'), {
            responseCode: 421,
          }),
        );
      },
      onRcptTo: (address, _session, cb) => {
        const to = address.address.toLowerCase();
        const rule = this.rules.get(to);
        if (rule && rule.times > 0) {
          rule.times -= 1;
          this.refusals.push({ to, code: rule.code });
          const err = Object.assign(new Error(rule.message), { responseCode: rule.code });
          return cb(err);
        }
        cb();
      },
      onData: (stream, session, cb) => {
        simpleParser(stream)
          .then((mail) => {
            const envelopeTo = (session.envelope.rcptTo ?? []).map((r) => r.address.toLowerCase());
            this.received.push(Object.assign(mail, { envelopeTo }));
            cb();
          })
          .catch(cb);
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this.port;
  }

  to(address: string): Received[] {
    return this.received.filter((m) => m.envelopeTo.includes(address.toLowerCase()));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
