// Directory import (issue 21): `admin directory import` reads the directory of the platform it is typed on
// (where the platform's API lets the bot: the adapter's listDirectory), shows what it would create, and
// creates it only on Confirm. People come without a role (an admin gives roles), with the department whose
// name matches theirs there; someone whose email a known person has is not created twice, but pointed at
// `admin link`. Never silently: nothing is read or written until an admin asks.
import { and, eq, sql } from 'drizzle-orm';
import { DEPARTMENTS, type DepartmentCode } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { directoryOf } from '../core/directories.ts';
import { refuse } from '../core/errors.ts';
import { isAdmin } from '../core/permissions.ts';
import { identities, people } from '../db/schema.ts';
import { type Bilingual, pick } from '../i18n/locale.ts';
import { AdminActionError, type DirectoryEntry, RetryLaterError } from '../port/outbound.ts';
import { command, DEPARTMENT_NAMES, departmentId } from './common.ts';

const IMPORT_WORDS = ['import', '导入', '導入'];
/** Names listed in the preview; the rest are counted. */
const SHOWN = 20;

/** The bot's department a directory department's name means, if any (its code, or any of its names). */
function departmentOfName(name: string | undefined): DepartmentCode | undefined {
  const n = name?.trim().toLowerCase();
  if (!n) return undefined;
  return (Object.keys(DEPARTMENTS) as DepartmentCode[]).find(
    (code) =>
      code === n ||
      (DEPARTMENTS[code] as readonly string[]).includes(n) ||
      DEPARTMENT_NAMES[code].en.toLowerCase() === n ||
      DEPARTMENT_NAMES[code].zh === n,
  );
}

type Plan = {
  create: (DirectoryEntry & { dept?: DepartmentCode })[];
  known: number;
  sameEmail: { entry: DirectoryEntry; person: string }[];
  unmatched: string[];
};

/** What importing the directory now would do: read only. */
async function plan(ctx: FlowContext): Promise<Plan> {
  const read =
    directoryOf(ctx.chat.platform) ??
    refuse(
      "This platform's directory cannot be read by the bot: people join as they write to it (docs/commands.en.md, admin directory).",
      '机器人无法读取此平台的通讯录：人员在给机器人发消息时自动加入（见 docs/commands.zh.md，管理 通讯录）。',
    );
  const entries = await readDirectory(read, ctx.chat.tenant);
  const have = new Set(
    (
      await ctx.tx
        .select({ id: identities.externalId })
        .from(identities)
        .where(and(eq(identities.platform, ctx.chat.platform), eq(identities.tenant, ctx.chat.tenant)))
    ).map((r) => r.id),
  );
  const out: Plan = { create: [], known: 0, sameEmail: [], unmatched: [] };
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.externalId)) continue;
    seen.add(e.externalId);
    if (have.has(e.externalId)) {
      out.known++;
      continue;
    }
    if (e.email) {
      const [p] = await ctx.tx
        .select({ name: people.name })
        .from(people)
        .where(sql`lower(trim(${people.email})) = ${e.email.trim().toLowerCase()}`)
        .limit(1);
      if (p) {
        out.sameEmail.push({ entry: e, person: p.name });
        continue;
      }
    }
    const dept =
      departmentOfName(e.department) ?? (e.otherDepartments ?? []).map(departmentOfName).find(Boolean);
    if (e.department && !dept && !out.unmatched.includes(e.department)) out.unmatched.push(e.department);
    out.create.push({ ...e, ...(dept ? { dept } : {}) });
  }
  return out;
}

/** The platform's directory; a refusal an admin must fix, or a request to wait, is the answer. */
async function readDirectory(
  read: (tenant: string) => Promise<DirectoryEntry[]>,
  tenant: string,
): Promise<DirectoryEntry[]> {
  try {
    return await read(tenant);
  } catch (err) {
    if (err instanceof AdminActionError)
      refuse(
        `The directory cannot be read: ${err.advice.en} Nothing was imported.`,
        `无法读取通讯录：${err.advice.zh} 未导入任何人员。`,
      );
    if (err instanceof RetryLaterError) {
      const s = Math.max(1, Math.ceil(err.afterMs / 1000));
      refuse(
        `The platform asks to wait before reading its directory again: try admin directory import in ${s} s. Nothing was imported.`,
        `平台要求稍后再读取通讯录：请 ${s} 秒后再发 管理 通讯录 导入。未导入任何人员。`,
      );
    }
    throw err;
  }
}

function describe(p: Plan, platform: string): Bilingual {
  const person = (l: 'en' | 'zh', e: Plan['create'][number]) =>
    `${e.name} (${platform}:${e.externalId})${e.dept ? ` → ${DEPARTMENT_NAMES[e.dept][l]}` : ''}`;
  const list = (l: 'en' | 'zh') =>
    p.create
      .slice(0, SHOWN)
      .map((e) => `• ${person(l, e)}`)
      .join('\n') +
    (p.create.length > SHOWN
      ? pick(l, {
          en: `\n… and ${p.create.length - SHOWN} more`,
          zh: `\n…… 另有 ${p.create.length - SHOWN} 人`,
        })
      : '');
  const same = p.sameEmail.map((s) => `${s.entry.name} (${platform}:${s.entry.externalId}) ~ ${s.person}`);
  return {
    en: [
      `Import from the directory: ${p.create.length} people to create, without a role (give roles with admin role); ${p.known} already known, left as they are.`,
      list('en'),
      p.unmatched.length
        ? `Departments that match none of the bot's (their people come without a department): ${p.unmatched.join(', ')}.`
        : '',
      same.length
        ? `Not created, they have the email of a person already known (link them instead: admin link, or me link): ${same.join('; ')}.`
        : '',
    ]
      .filter(Boolean)
      .join('\n'),
    zh: [
      `从通讯录导入：将新建 ${p.create.length} 人，无角色（用 管理 角色 设置）；已认识 ${p.known} 人，保持不变。`,
      list('zh'),
      p.unmatched.length
        ? `与机器人部门都不对应的部门（其人员不带部门导入）：${p.unmatched.join('、')}。`
        : '',
      same.length
        ? `未新建：其邮箱与已认识的人员相同（请改用 管理 关联 或 我 关联）：${same.join('；')}。`
        : '',
    ]
      .filter(Boolean)
      .join('\n'),
  };
}

function checkWord(words: string[]) {
  if (!IMPORT_WORDS.includes((words[0] ?? '').toLowerCase()))
    refuse(
      `admin directory ${words[0] ?? ''}: the directory can only be imported: admin directory import.`,
      `管理 通讯录 ${words[0] ?? ''}：通讯录只能导入：管理 通讯录 导入。`,
    );
}

const directoryImport = command({
  noun: 'admin',
  verbs: ['directory'],
  words: [{ name: { en: 'import', zh: '导入' }, required: true }],
  keys: {},
  usage: {
    en: 'admin directory import   (shows what it would create; creates on Confirm)',
    zh: '管理 通讯录 导入   （先预览将新建的人员，确认后才创建）',
  },
  summary: {
    en: "import people from the platform's directory, with a preview",
    zh: '从平台通讯录导入人员（先预览）',
  },
  allow: isAdmin,
  async confirm(ctx, { words }) {
    checkWord(words);
    const p = await plan(ctx);
    // Nothing to create: the command answers at once, and writes nothing.
    return p.create.length ? describe(p, ctx.chat.platform) : null;
  },
  async run(ctx, { words }) {
    checkWord(words);
    // Read again: the directory, or who wrote to the bot, may have changed since the preview.
    const p = await plan(ctx);
    if (p.create.length === 0) {
      const d = describe(p, ctx.chat.platform);
      return {
        text: ctx.t({
          en: `Nothing to import: everyone in the directory is known already.\n${d.en}`,
          zh: `没有需要导入的人员：通讯录中的人都已认识。\n${d.zh}`,
        }),
      };
    }
    const created: string[] = [];
    for (const e of p.create) {
      const [person] = await ctx.tx
        .insert(people)
        .values({
          name: e.name,
          email: e.email ?? null,
          role: null,
          departmentId: e.dept ? await departmentId(ctx, e.dept) : null,
        })
        .returning({ id: people.id });
      await ctx.tx.insert(identities).values({
        personId: person!.id,
        platform: ctx.chat.platform,
        tenant: ctx.chat.tenant,
        externalId: e.externalId,
        displayName: e.name,
      });
      created.push(`${ctx.chat.platform}:${e.externalId}`);
    }
    await ctx.audit('admin.directory.import', 'person', undefined, {
      created,
      known: p.known,
      sameEmail: p.sameEmail.map((s) => s.entry.externalId),
    });
    return {
      text: ctx.t({
        en: `Imported ${created.length} people from the directory, without a role: give them roles with admin role (admin people lists everyone).`,
        zh: `已从通讯录导入 ${created.length} 人，无角色：请用 管理 角色 设置（管理 人员 可查看全部）。`,
      }),
    };
  },
});

export const directoryCommands = [directoryImport];
