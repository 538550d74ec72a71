/**
 * A real redis-server for the queue tests: on a free port of 127.0.0.1, its
 * append-only file in a temporary directory (so that a restart keeps the
 * queue, as a production Redis would), everything removed by dispose().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export class RedisServer {
  #process: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    readonly directory: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisServer> {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'backprop-redis-'));
    const server = new RedisServer(await freePort(), directory);
    await server.resume();
    return server;
  }

  /** Starts (again) on the same port and directory; resolves once Redis accepts connections. */
  async resume(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.directory, '--appendonly', 'yes', '--save', '', '--logfile', ''];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    this.#process = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
    });
  }

  /** SIGTERM: Redis flushes its append-only file and exits. */
  async stop(): Promise<void> {
    const child = this.#process;
    if (child === null || child.exitCode !== null) return;
    this.#process = null;
    child.kill('SIGTERM');
    await once(child, 'exit');
  }

  async dispose(): Promise<void> {
    await this.stop();
    await fs.rm(this.directory, { recursive: true, force: true });
  }
}
