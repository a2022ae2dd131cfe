import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/**
 * A loopback SMTP server (smtp-server) that requires login, parses every mail it takes (mailparser) and
 * exposes from / to / subject / text / headers. Modes: `ok`; `fail` (451 at DATA: try again later);
 * `reject` (550 at RCPT: mailbox unavailable); `rate-limited` (421 at MAIL FROM: too many messages);
 * `hang` (never answers DATA until stop()). Addresses in `refuse` get 550 at RCPT in any mode.
 * It can be stopped and started again on the same port.
 */
export type SmtpMode = 'ok' | 'fail' | 'reject' | 'rate-limited' | 'hang';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** the SMTP envelope */
  envelope: { from: string; to: string[] };
  subject: string;
  text: string;
  messageId?: string;
  headers: Map<string, unknown>;
  /** the raw message as it arrived */
  raw: string;
  at: number;
}

const addresses = (a: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address ?? ''));

export class SmtpReceiver {
  readonly mails: ReceivedMail[] = [];
  /** logins refused */
  authFailures = 0;
  /** client connections open now, and the most open at once since start (or since reset to 0) */
  openConnections = 0;
  peakConnections = 0;
  mode: SmtpMode = 'ok';
  readonly refuse = new Set<string>();
  port = 0;
  private server: SMTPServer | undefined;

  constructor(readonly user: string, readonly pass: string) {}

  async start(port = this.port): Promise<this> {
    if (this.server) return this;
    const server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authOptional: false,
      logger: false,
      closeTimeout: 200,
      onConnect: (_session, cb) => {
        this.openConnections++;
        this.peakConnections = Math.max(this.peakConnections, this.openConnections);
        cb();
      },
      onClose: () => {
        this.openConnections--;
      },
      onAuth: (auth, _session, cb) => {
        if (auth.username === this.user && auth.password === this.pass) return cb(null, { user: auth.username });
        this.authFailures++;
        cb(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      },
      onMailFrom: (_address, _session, cb) => {
        if (this.mode === 'rate-limited') return cb(Object.assign(new Error('4.7.0 Too many messages, slow down'), { responseCode: 421 }));
        cb();
      },
      onRcptTo: (address, _session, cb) => {
        if (this.mode === 'reject' || this.refuse.has(address.address)) return cb(Object.assign(new Error('5.1.1 Mailbox unavailable'), { responseCode: 550 }));
        cb();
      },
      onData: (stream, session, cb) => void this.onData(stream, session, cb),
    });
    server.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
    return this;
  }

  private async onData(stream: NodeJS.ReadableStream, session: SMTPServerSession, cb: (err?: Error | null) => void) {
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    if (this.mode === 'hang') return; // never answered: the client times out
    if (this.mode === 'fail') return cb(Object.assign(new Error('4.3.0 Temporary failure, try again later'), { responseCode: 451 }));
    const raw = Buffer.concat(chunks);
    const parsed: ParsedMail = await simpleParser(raw);
    this.mails.push({
      from: addresses(parsed.from)[0] ?? '',
      to: addresses(parsed.to),
      envelope: {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
      },
      subject: parsed.subject ?? '',
      text: (parsed.text ?? '').replace(/\n$/, ''),
      messageId: parsed.messageId,
      headers: parsed.headers as Map<string, unknown>,
      raw: raw.toString('utf8'),
      at: Date.now(),
    });
    cb();
  }

  /** mails by Message-ID: a resend of one delivery is one entry */
  get byMessageId(): Map<string, ReceivedMail[]> {
    const m = new Map<string, ReceivedMail[]>();
    for (const mail of this.mails) m.set(mail.messageId ?? '', [...(m.get(mail.messageId ?? '') ?? []), mail]);
    return m;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
