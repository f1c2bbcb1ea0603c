import { type Server, type Socket, connect, createServer } from 'node:net';

/**
 * A TCP proxy between the gateway and PostgreSQL that plays the database's outages without
 * touching the shared server other suites run against:
 * - `cut()`: every open connection drops at once, as in a restart;
 * - `freeze()` / `thaw()`: nothing passes in either direction (a stopped or overloaded
 *   server, a network partition), then everything held is delivered in order;
 * - `refuse()` / `accept()`: the port is closed (ECONNREFUSED, as while it is down), then open.
 */
export class PgProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private frozen = false;
  private held: [Socket, Buffer][] = [];
  private server: Server;

  private constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
    server: Server,
  ) {
    this.server = server;
  }

  static async start(targetUrl: string): Promise<PgProxy> {
    const url = new URL(targetUrl);
    const target = { host: url.hostname, port: Number(url.port || 5432) };
    const sockets: Socket[] = [];
    let accepted = (socket: Socket): void => void sockets.push(socket);
    const server = createServer((socket) => accepted(socket));
    const proxy = new PgProxy(target, await listen(server, 0), server);
    accepted = (socket) => proxy.accepted(socket);
    for (const socket of sockets) proxy.accepted(socket);
    return proxy;
  }

  /** `databaseUrl` with its host and port replaced by the proxy's. */
  via(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  /** Connections currently open through the proxy. */
  get connections(): number {
    return this.pairs.size;
  }

  cut(): void {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    this.held = [];
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    const held = this.held;
    this.held = [];
    for (const [to, chunk] of held) if (!to.destroyed) to.write(chunk);
  }

  async refuse(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async accept(): Promise<void> {
    this.server = createServer((socket) => this.accepted(socket));
    await listen(this.server, this.port);
  }

  async close(): Promise<void> {
    this.cut();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accepted(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (this.frozen) this.held.push([to, chunk]);
        else to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on('error', end);
      socket.on('close', end);
    }
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
