import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP receiver on loopback for delivery tests. It records every request, honours the
 * Idempotency-Key header (a key seen before is accepted and not counted again), and can be told to
 * answer normally, fail (5xx), never answer, or run a hook after accepting and before answering.
 */
export type ReceiverMode = 'ok' | 'fail' | 'hang';

export interface Received {
  key: string;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  at: number;
}

export class LoopbackReceiver {
  readonly requests: Received[] = [];
  /** the first request of each idempotency key: what a receiver that honours the key acts on */
  readonly accepted = new Map<string, Received>();
  mode: ReceiverMode = 'ok';
  /** runs after a request was accepted and before it is answered (to kill the sender in between) */
  afterAccept?: (r: Received) => Promise<void> | void;
  private held: ServerResponse[] = [];
  private server: Server | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/notify`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const key = String(req.headers['idempotency-key'] ?? '');
    const r: Received = { key, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: req.headers, at: Date.now() };
    this.requests.push(r);
    if (this.mode === 'hang') {
      this.held.push(res); // never answered until stop()
      return;
    }
    if (this.mode === 'fail') {
      res.writeHead(503).end('unavailable');
      return;
    }
    if (!this.accepted.has(key)) this.accepted.set(key, r);
    await this.afterAccept?.(r);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  }

  /** Answer held requests with an error and stop listening: the receiver is down. */
  async stop(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    if (!this.server) return;
    const s = this.server;
    this.server = undefined;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
