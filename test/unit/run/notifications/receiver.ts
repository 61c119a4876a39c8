import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NotificationMessage } from '../../../../src/run/notifications/index.js';

/** One request a test receiver got. */
export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  message: NotificationMessage;
}

/** How a receiver answers request number `n` (0-based): a status (and headers), or `'hang'` to never answer. */
export type Answer = number | { status: number; headers?: Record<string, string> } | 'hang';

export interface Receiver {
  url: string;
  received: Received[];
  /** Requests being handled right now, and the most there ever were at once. */
  inFlight: number;
  maxInFlight: number;
  /** Requests whose client went away before an answer. */
  aborted: number;
  /** Resolves when `count` requests have arrived. */
  waitFor(count: number): Promise<void>;
  /** Answers every request held by `hold()` so far. */
  release(): void;
  close(): Promise<void>;
}

/**
 * A real `node:http` server on 127.0.0.1, port 0, recording what it gets. `answer(n, r, hold)`
 * decides each answer; `hold(a)` answers `a` only when the test calls `release()`.
 */
export async function startReceiver(answer: (n: number, r: Received, hold: (a: Answer) => Promise<Answer>) => Answer | Promise<Answer> = () => 200): Promise<Receiver> {
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const held: Array<() => void> = [];
  const sockets = new Set<import('node:net').Socket>();
  const state: Receiver = {
    url: '',
    received: [],
    inFlight: 0,
    maxInFlight: 0,
    aborted: 0,
    waitFor(count) {
      if (state.received.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    release() {
      for (const h of held.splice(0)) h();
    },
    close() {
      state.release();
      return new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
    },
  };
  const server = http.createServer((req, res) => {
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    let answered = false;
    res.on('close', () => {
      state.inFlight--;
      if (!answered) state.aborted++;
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, message: JSON.parse(body.toString('utf8')) as NotificationMessage };
      const n = state.received.length;
      state.received.push(r);
      for (const w of waiters.filter((x) => state.received.length >= x.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const hold = (a: Answer): Promise<Answer> => new Promise((resolve) => held.push(() => resolve(a)));
      void Promise.resolve(answer(n, r, hold)).then((a) => {
        if (a === 'hang' || res.destroyed) return;
        const { status, headers } = typeof a === 'number' ? { status: a, headers: {} } : a;
        answered = true;
        res.writeHead(status, headers).end();
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return state;
}
