// Real processes, started as an IT admin or a process manager starts them (npm scripts, node), for the
// tests of starting, stopping and refusing to start.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The documented production start (docs/operations.md): node itself, so SIGTERM reaches the app. */
export const PRODUCTION_START = ['node', '--import', 'tsx', 'src/main.ts', '--no-demo'];

export type Spawned = {
  child: ChildProcess;
  pid: number;
  out(): string;
  err(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/**
 * Starts `command` in the project folder with only the given settings (nothing of the test run's own
 * environment leaks in, so no DATABASE_URL or platform setting of the machine changes what is tested).
 */
export function start(command: string[], env: Record<string, string>): Spawned {
  const [file, ...args] = command;
  const child = spawn(file!, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return { child, pid: child.pid!, out: () => out, err: () => err, exited };
}

/** Runs a command to its end. */
export async function run(command: string[], env: Record<string, string>) {
  const p = start(command, env);
  const { code } = await p.exited;
  return { code, stdout: p.out(), stderr: p.err() };
}

/** Resolves once `test` holds on the process's output; rejects if the process ends first. */
export async function waitFor(p: Spawned, test: (out: string) => boolean, what: string): Promise<void> {
  let ended = false;
  void p.exited.then(() => {
    ended = true;
  });
  while (!test(p.out())) {
    if (ended) throw new Error(`exited before ${what}:\n${p.out()}\n${p.err()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Whether something accepts connections on 127.0.0.1:port. */
export async function listening(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

/** Every process below `pid` (children, their children, …), as `ps` sees them now. */
export function descendants(pid: number): number[] {
  let direct: number[];
  try {
    direct = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    direct = []; // ps exits 1 when there is none
  }
  return direct.flatMap((c) => [c, ...descendants(c)]);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
