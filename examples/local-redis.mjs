// Local stand-ins for a deployment, used by examples/sweep.mjs: a throwaway
// redis-server (Debian's, on a free port of 127.0.0.1, no persistence, its
// directory removed on stop) and `backprop worker` processes.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** Starts `command args`; resolves once `stream` of it has printed text matching `ready`. */
function startProcess(command, args, env, stream, ready) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  return new Promise((resolve, reject) => {
    child[stream].on('data', (chunk) => {
      output += chunk;
      if (ready.test(output)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code} before it was ready:\n${output}`)));
  });
}

async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** A redis-server of our own: { url, stop() }. */
export async function startRedis() {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'backprop-sweep-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', directory, '--save', '', '--appendonly', 'no', '--logfile', ''];
  const child = await startProcess('redis-server', args, {}, 'stdout', /Ready to accept connections/);
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await stopProcess(child);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** `count` worker processes on the queue, each with cores / count native threads: { stop() } (SIGTERM, as a deployment would). */
export async function startWorkers(url, queue, count) {
  const threads = String(Math.max(1, Math.floor(os.availableParallelism() / count)));
  const workers = await Promise.all(
    Array.from({ length: count }, () =>
      startProcess(process.execPath, [CLI, 'worker', '--redis', url, '--queue', queue], { BACKPROP_THREADS: threads }, 'stderr', /worker on queue/),
    ),
  );
  return { threads: Number(threads), stop: () => Promise.all(workers.map(stopProcess)) };
}
