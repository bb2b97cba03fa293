// A failed backup or drill tells the management chat at once (policy 5.2), in both languages: what failed,
// the error, and what to check. With no chat bound to management, every admin is told directly. The notice
// goes through the outbox like every message, so it is sent once the database has it.
import { and, eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { loadOrg } from '../core/org.ts';
import { outboxWriter } from '../core/outbox.ts';
import type { Db } from '../db/client.ts';
import { people } from '../db/schema.ts';
import { pick } from '../i18n/locale.ts';
import type { LogKind, LogTrigger } from './log.ts';

export type Failure = {
  logId: number | null;
  kind: LogKind;
  trigger: LogTrigger;
  startedAt: Date;
  error: string;
  file?: string | null;
  backupDir: string;
};

/** The notice's text in one language. */
export function failureText(f: Failure, l: 'en' | 'zh', zone: string): string {
  const at = DateTime.fromJSDate(f.startedAt, { zone }).toFormat('yyyy-MM-dd HH:mm');
  // The first lines of the error say what happened; the whole of it is in the log and in `backup list`.
  const error = f.error.split('\n').slice(0, 4).join('\n').slice(0, 600);
  const how = pick(l, {
    en: f.trigger === 'schedule' ? 'scheduled' : 'manual',
    zh: f.trigger === 'schedule' ? '定时' : '手动',
  });
  if (f.kind === 'backup') {
    return pick(l, {
      en: [
        `⚠️ Backup FAILED (${how}, ${at}): no new backup was made.`,
        `> ${error}`,
        `Check: that BACKUP_DIR (${f.backupDir}) is mounted, writable and has space; that pg_dump of the server's version is installed (PostgreSQL); the database is reachable. Then run \`npm run backup\` on the server. The log: backup list`,
      ].join('\n'),
      zh: [
        `⚠️ 备份失败（${how}，${at}）：未生成新的备份。`,
        `> ${error}`,
        `请检查：备份目录 BACKUP_DIR（${f.backupDir}）是否已挂载、可写、空间充足；（PostgreSQL）是否安装了与服务器同版本的 pg_dump；数据库能否连接。然后在服务器上运行 \`npm run backup\`。日志：备份 列表`,
      ].join('\n'),
    });
  }
  const which = f.file ? ` ${f.file}` : '';
  return pick(l, {
    en: [
      `⚠️ Restore drill FAILED (${how}, ${at}): the backup${which} could not be proved to restore.`,
      `> ${error}`,
      'Check: make a new backup now (`npm run backup`) and run the drill again (`npm run backup -- --drill`); find out what changed the file (disk, copy, BACKUP_KEY). The log: backup list',
    ].join('\n'),
    zh: [
      `⚠️ 恢复演练失败（${how}，${at}）：无法证明备份${which}可以恢复。`,
      `> ${error}`,
      '请检查：立即重新备份（`npm run backup`）并再次演练（`npm run backup -- --drill`）；查明文件为何改变（磁盘、复制、BACKUP_KEY）。日志：备份 列表',
    ].join('\n'),
  });
}

/** Writes the notice to the outbox. Returns how many messages were written (0: nobody to tell). */
export async function tellManagement(db: Db, f: Failure): Promise<number> {
  return db.transaction(async (tx) => {
    const org = await loadOrg(tx);
    const out = outboxWriter(tx, org, '');
    const render = (l: 'en' | 'zh') => ({ text: failureText(f, l, org.timezone) });
    const key = `backup-failed:${f.logId ?? f.startedAt.getTime()}`;
    const sent = await out.send({ kind: 'department', code: 'management' }, render, key);
    if (sent) return sent;
    const admins = await tx
      .select({ id: people.id })
      .from(people)
      .where(and(eq(people.role, 'admin'), eq(people.active, true)));
    let n = 0;
    for (const a of admins) n += await out.send({ kind: 'person', personId: a.id }, render, key);
    return n;
  });
}
