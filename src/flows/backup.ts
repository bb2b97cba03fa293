// `backup list` (备份 列表), admins only: the backup log, newest first and paged, led by the age of the
// newest good backup and the last drill. Everyone else is refused by the engine, which audits that.
import { and, desc, eq, sql } from 'drizzle-orm';
import { type LogRow, STALE_AFTER_MS } from '../backup/log.ts';
import { registerBackupHooks } from '../backup/schedule.ts';
import { k } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { refuseInput } from '../core/errors.ts';
import { isAdmin } from '../core/permissions.ts';
import { backupLog } from '../db/schema.ts';
import { pick } from '../i18n/locale.ts';
import { command } from './common.ts';
import { LIST_SIZE } from './list-lines.ts';

registerBackupHooks();

/** 3 h, 2 d: how long ago, roughly. */
export function age(ctx: FlowContext, at: Date): string {
  const hours = Math.max(0, (ctx.now.getTime() - at.getTime()) / 3600_000);
  if (hours < 1) return ctx.t({ en: `${Math.round(hours * 60)} min`, zh: `${Math.round(hours * 60)} 分钟` });
  if (hours < 48) return ctx.t({ en: `${Math.round(hours)} h`, zh: `${Math.round(hours)} 小时` });
  return ctx.t({ en: `${Math.round(hours / 24)} days`, zh: `${Math.round(hours / 24)} 天` });
}

export function size(bytes: number | null): string {
  if (bytes == null) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

export const fileName = (path: string | null) => (path ? path.split(/[\\/]/).at(-1)! : '');

/** What became of an entry; 'started' long ago is a process that stopped half-way. */
export function stateOf(ctx: FlowContext, r: LogRow): string {
  const l = ctx.locale;
  if (r.state === 'done') return pick(l, { en: 'done', zh: '成功' });
  if (r.state === 'failed') return pick(l, { en: 'FAILED', zh: '失败' });
  if (r.state === 'queued') return pick(l, { en: 'queued', zh: '排队中' });
  const since = r.startedAt ?? r.createdAt;
  if (ctx.now.getTime() - since.getTime() > STALE_AFTER_MS)
    return pick(l, { en: 'FAILED: never finished (its process stopped)', zh: '失败：未完成（进程已停止）' });
  return pick(l, { en: 'running', zh: '进行中' });
}

function describe(ctx: FlowContext, r: LogRow): string {
  const l = ctx.locale;
  const kind =
    r.kind === 'drill' ? pick(l, { en: 'drill', zh: '演练' }) : pick(l, { en: 'backup', zh: '备份' });
  const how =
    r.trigger === 'schedule'
      ? pick(l, { en: 'scheduled', zh: '定时' })
      : pick(l, { en: 'manual', zh: '手动' });
  const result = r.result as { tables?: number; problems?: string[] } | null;
  const parts = [
    `#${r.id} ${ctx.fmtDate(r.startedAt ?? r.createdAt, true)}`,
    `${kind} (${how})`,
    stateOf(ctx, r),
    [fileName(r.file), size(r.size), r.encrypted ? pick(l, { en: 'encrypted', zh: '已加密' }) : '']
      .filter(Boolean)
      .join(' '),
    r.kind === 'drill' && r.state === 'done' && result?.tables
      ? pick(l, { en: `${result.tables} tables match`, zh: `${result.tables} 张表一致` })
      : '',
  ].filter(Boolean);
  const problems = result?.problems?.length ? result.problems.slice(0, 3).join('; ') : '';
  const error = r.state === 'failed' ? problems || (r.error ?? '').split('\n')[0]!.slice(0, 160) : '';
  return `${parts.join(' · ')}${error ? `\n    ${error}` : ''}`;
}

const list = command({
  noun: 'backup',
  verbs: ['list'],
  keys: { page: k.text(6).optional() },
  usage: { en: 'backup list [page=2]', zh: '备份 列表 [页=2]' },
  summary: {
    en: 'the backup log: backups and restore drills, newest first (admins)',
    zh: '备份日志：备份与恢复演练，最新在前（管理员）',
  },
  allow: isAdmin,
  readOnly: true,
  async run(ctx, { args }) {
    const page = args.page === undefined ? 1 : Number(args.page);
    if (!Number.isInteger(page) || page < 1)
      refuseInput(`page=${args.page} is not a page number: page=2.`, `页=${args.page} 不是页码：例如 页=2。`);
    const [good] = await ctx.tx
      .select()
      .from(backupLog)
      .where(and(eq(backupLog.kind, 'backup'), eq(backupLog.state, 'done')))
      .orderBy(desc(backupLog.finishedAt), desc(backupLog.id))
      .limit(1);
    const [lastDrill] = await ctx.tx
      .select()
      .from(backupLog)
      .where(and(eq(backupLog.kind, 'drill'), sql`${backupLog.state} in ('done', 'failed')`))
      .orderBy(desc(backupLog.id))
      .limit(1);
    const head = good
      ? ctx.t({
          en: `Newest good backup: ${age(ctx, good.finishedAt ?? good.createdAt)} ago (${ctx.fmtDate(good.finishedAt ?? good.createdAt, true)}, ${fileName(good.file)}).`,
          zh: `最新的成功备份：${age(ctx, good.finishedAt ?? good.createdAt)}前（${ctx.fmtDate(good.finishedAt ?? good.createdAt, true)}，${fileName(good.file)}）。`,
        })
      : ctx.t({
          en: '⚠️ No good backup is recorded. Make one now on the server: npm run backup',
          zh: '⚠️ 尚无成功的备份记录。请立即在服务器上运行：npm run backup',
        });
    const stale =
      good && ctx.now.getTime() - (good.finishedAt ?? good.createdAt).getTime() > 2 * 86_400_000
        ? ctx.t({
            en: '\n⚠️ That is more than two days old: check the schedule (BACKUP_SCHEDULE) and the failures below.',
            zh: '\n⚠️ 已超过两天：请检查备份计划（BACKUP_SCHEDULE）及下方的失败记录。',
          })
        : '';
    const drill = lastDrill
      ? lastDrill.state === 'done'
        ? ctx.t({
            en: `\nLast restore drill: passed ${ctx.fmtDate(lastDrill.finishedAt ?? lastDrill.createdAt, true)}.`,
            zh: `\n最近一次恢复演练：${ctx.fmtDate(lastDrill.finishedAt ?? lastDrill.createdAt, true)} 通过。`,
          })
        : ctx.t({
            en: `\n⚠️ Last restore drill FAILED ${ctx.fmtDate(lastDrill.finishedAt ?? lastDrill.createdAt, true)}.`,
            zh: `\n⚠️ 最近一次恢复演练失败（${ctx.fmtDate(lastDrill.finishedAt ?? lastDrill.createdAt, true)}）。`,
          })
      : ctx.t({ en: '\nNo restore drill yet.', zh: '\n尚未进行恢复演练。' });
    const [{ n } = { n: 0 }] = await ctx.tx.select({ n: sql<number>`count(*)::int` }).from(backupLog);
    if (n === 0) return { text: `${head}${drill}` };
    const pages = Math.ceil(n / LIST_SIZE);
    if (page > pages)
      refuseInput(
        `There are ${pages} page(s) of ${n} entries; page=${page} is past the end.`,
        `共 ${n} 条，${pages} 页；页=${page} 超出范围。`,
      );
    const rows = await ctx.tx
      .select()
      .from(backupLog)
      .orderBy(desc(backupLog.id))
      .limit(LIST_SIZE)
      .offset((page - 1) * LIST_SIZE);
    const more =
      page < pages
        ? ctx.t({ en: `\nNext: backup list page=${page + 1}`, zh: `\n下一页：备份 列表 页=${page + 1}` })
        : '';
    const title = ctx.t({
      en: `Backup log (page ${page} of ${pages}, ${n} entries):`,
      zh: `备份日志（第 ${page}/${pages} 页，共 ${n} 条）：`,
    });
    return {
      text: `${head}${stale}${drill}\n${title}\n${rows.map((r) => describe(ctx, r)).join('\n')}${more}`,
    };
  },
});

export const backupCommands = [list];
