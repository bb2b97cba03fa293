// pg_dump and pg_restore, the PostgreSQL client tools a PostgreSQL backup and restore run. They must be
// at least the server's major version: an older pg_dump refuses a newer server.
import { spawn, spawnSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import { ConfigError } from '../config.ts';

export type PgTool = 'pg_dump' | 'pg_restore';

function installHint(major: number): string[] {
  return [
    `Install the PostgreSQL ${major} client tools on this machine: on Debian or Ubuntu \`apt install postgresql-client-${major}\``,
    `(from apt.postgresql.org if your release has no postgresql-client-${major}); elsewhere the PostgreSQL ${major} client package.`,
    `请安装 PostgreSQL ${major} 客户端工具（Debian/Ubuntu：apt install postgresql-client-${major}）。`,
  ];
}

/** The tool's version ("15.20"), or a ConfigError naming what to install when missing or too old. */
export function checkTool(tool: PgTool, serverMajor: number): string {
  const run = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    throw new ConfigError(
      [
        `${tool} was not found (it is needed for a PostgreSQL backup and restore). 未找到 ${tool}。`,
        ...installHint(serverMajor),
      ].join('\n'),
    );
  }
  const version = /(\d+)(?:\.(\d+))?/.exec(run.stdout)?.[0] ?? '0';
  const major = Number.parseInt(version, 10);
  if (major < serverMajor) {
    throw new ConfigError(
      [
        `${tool} ${version} is older than the PostgreSQL ${serverMajor} server: it cannot work with a newer server.`,
        `${tool} ${version} 的版本低于 PostgreSQL ${serverMajor} 服务器。`,
        ...installHint(serverMajor),
      ].join('\n'),
    );
  }
  return version;
}

/**
 * The connection for the tools: the URL without its password, which goes in PGPASSWORD instead, so it is
 * not in the process list.
 */
export function toolConnection(databaseUrl: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  return { dbname: url.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

/**
 * Runs the tool; rejects with its error output when it fails. With `output`, the tool's standard output
 * is handed to it (a dump streamed through encryption into its file) and both must succeed.
 */
export async function runTool(
  tool: PgTool,
  args: string[],
  env: NodeJS.ProcessEnv,
  output?: (stdout: Readable) => Promise<void>,
): Promise<void> {
  const child = spawn(tool, args, { env, stdio: ['ignore', output ? 'pipe' : 'ignore', 'pipe'] });
  const consumed = output && child.stdout ? output(child.stdout) : Promise.resolve();
  const exited = new Promise<void>((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${tool} failed (exit code ${code}):\n${stderr.trim()}`));
    });
  });
  // A failed write (a full disk) is the cause when both fail: the tool then only saw a broken pipe.
  const [ran, write] = await Promise.allSettled([exited, consumed]);
  if (write.status === 'rejected') {
    child.kill();
    throw write.reason;
  }
  if (ran.status === 'rejected') throw ran.reason;
}
