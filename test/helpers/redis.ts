import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';

/** A redis-server of a test's own, on a Unix socket in a temporary folder: no port clashes between parallel test files. */
export interface TestRedis {
  /** The socket path (ioredis `{ path }`). */
  path: string;
  /** `unix:///…/redis.sock`, as the CLI's --redis takes it. */
  url: string;
  pid: number;
  /** Stops the server by its PID (SIGKILL when `hard`) and removes the folder. */
  stop(hard?: boolean): Promise<void>;
}

/** Whether redis-server can be run here (scripts/ensure-test-tools.sh installs it). */
export const haveRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** Why tests that need Redis are skipped, said once. */
export const noRedisReason = 'redis-server is not installed: run `sh scripts/ensure-test-tools.sh` (npm test does it first)';

/**
 * Starts redis-server without persistence (or with AOF when `aof`), listening only on a Unix
 * socket, and waits until it answers PING.
 */
export async function startRedis(options: { aof?: boolean } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'jobgraph-redis-'));
  const path = join(dir, 'redis.sock');
  const args = ['--port', '0', '--unixsocket', path, '--unixsocketperm', '700', '--dir', dir, '--save', '', '--loglevel', 'warning'];
  args.push(...(options.aof ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no']));
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await ping(path))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start: ${stderr.trim() || `exit ${child.exitCode}`}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    path,
    url: `unix://${path}`,
    pid: child.pid!,
    async stop(hard = false) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(hard ? 'SIGKILL' : 'SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True when a server answers PING on the socket. */
function ping(path: string): Promise<boolean> {
  if (!existsSync(path)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = createConnection(path);
    let got = '';
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(1000, () => done(false));
    s.on('error', () => done(false));
    s.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
    s.write('PING\r\n');
  });
}
