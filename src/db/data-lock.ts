// One process per embedded-database folder. PGlite has no lock of its own: a second process opening the
// folder died inside the wasm build (`RuntimeError: Aborted()`), and could damage the data. Every opener
// (npm start, the worker, db:migrate, the calendar CLI) takes this lock first, through openDatabase.
import { linkSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config.ts';

const LOCK_FILE = 'salesrelay.lock';

/** Exit code 2 (like wrong settings): the start cannot go on until the admin stops the other process. */
export class DataDirInUseError extends ConfigError {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly host: string,
  ) {
    const who = host === hostname() ? `pid ${pid}` : `pid ${pid} on ${host}`;
    super(
      [
        `${dataDir} is in use by another SalesRelay process (${who}).`,
        'The embedded database can be used by one process only. Stop SalesRelay there and run this again,',
        'or use PostgreSQL (DATABASE_URL) in production, where several processes share one database.',
        `${dataDir} 正在被另一个 SalesRelay 进程（${who}）使用。内嵌数据库只能由一个进程使用：`,
        '请先停止该进程再运行；生产环境请使用 PostgreSQL（DATABASE_URL）。',
      ].join('\n'),
    );
  }
}

type Holder = { pid: number; host: string };

function readHolder(file: string): Holder | null {
  try {
    const [pid, host] = readFileSync(file, 'utf8').trim().split(/\s+/);
    return Number.isInteger(Number(pid)) && Number(pid) > 0 ? { pid: Number(pid), host: host ?? '' } : null;
  } catch {
    return null;
  }
}

/**
 * Whether the holder still runs. Our own pid is never a live holder: in a container every start is pid 1,
 * so a lock left by a killed container names this very process. Another host's process cannot be checked:
 * it counts as alive (the admin removes the file if that host is gone).
 */
function alive(h: Holder): boolean {
  if (h.host !== hostname()) return true;
  if (h.pid === process.pid) return false;
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A reused pid of some other program (no node in its command line) does not hold the folder.
  try {
    return readFileSync(`/proc/${h.pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return true;
  }
}

/**
 * Takes the folder for this process, or throws DataDirInUseError naming the holder. A lock whose process
 * is gone (kill -9, a power cut) is taken over. Returns the release function (also run at exit).
 */
export function lockDataDir(dataDir: string, shownAs = dataDir): () => void {
  const file = join(dataDir, LOCK_FILE);
  const mine = `${file}.${process.pid}`;
  writeFileSync(mine, `${process.pid} ${hostname()}\n`);
  try {
    for (let tries = 0; ; tries++) {
      try {
        linkSync(mine, file); // atomic: fails when the lock exists
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries >= 3) throw err;
      }
      const holder = readHolder(file);
      if (holder && alive(holder)) throw new DataDirInUseError(shownAs, holder.pid, holder.host);
      // Stale: move it aside (only one of two racing processes moves a given file), then look at what was
      // moved: if a live process had taken the lock meanwhile, put its lock back.
      const aside = `${file}.stale.${process.pid}`;
      try {
        renameSync(file, aside);
      } catch {
        continue;
      }
      const moved = readHolder(aside);
      if (moved && alive(moved)) {
        try {
          linkSync(aside, file);
        } catch {}
        rmSync(aside, { force: true });
        throw new DataDirInUseError(shownAs, moved.pid, moved.host);
      }
      rmSync(aside, { force: true });
      // A killed process also leaves PGlite's postmaster.pid behind; nobody uses the folder now.
      rmSync(join(dataDir, 'postmaster.pid'), { force: true });
    }
  } finally {
    rmSync(mine, { force: true });
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    const holder = readHolder(file);
    if (holder?.pid === process.pid && holder.host === hostname()) {
      try {
        unlinkSync(file);
      } catch {}
    }
  };
  process.on('exit', release);
  return release;
}
