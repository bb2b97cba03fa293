// `npm run backup` / `npm run restore` as an admin runs them: a child process with only PATH, HOME and the
// settings given (no developer's ./.env), its exit code and output.
import { spawn } from 'node:child_process';

export type Run = { code: number; stdout: string; stderr: string };

export function backupCli(
  script: 'backup' | 'restore',
  args: string[],
  env: Record<string, string>,
  home: string,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `src/backup/${script}-cli.ts`, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: home, ...env },
      cwd: process.cwd(),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
