// The tenant's contact directory (通讯录) for admin directory import, through the SDK's Client with the
// tenant token: every department below the root in pages (contact.v3.department.children, fetch_child,
// page_size 50, page_token / has_more), then each department's direct members in pages
// (contact.v3.user.findByDepartment), open_id and open_department_id throughout (people are known by their
// open_id). The SDK's *WithIterator helpers swallow a refused page and end early, so the pages are walked
// here: a refusal reaches the admin. What the app may read is its scopes and its contact range (通讯录权限范围).
import type { Logger } from 'pino';
import { AdminActionError, type DirectoryEntry, RetryLaterError } from '../../src/port/index.ts';
import { type FeishuApi, feishuErrorOf } from './api.ts';

/** Feishu's largest page for both APIs. */
export const PAGE_SIZE = 50;
const ROOT = '0';
/** A throttled page is tried this many times (after the wait Feishu names) before the admin is told to wait. */
const TRIES = 3;
/** Calls per second, under Feishu's 50 per app and API: a large directory is read without being throttled. */
const PER_SECOND = 40;

type Department = { name: string; open_department_id?: string; parent_department_id: string };
type User = {
  open_id?: string;
  name: string;
  en_name?: string;
  email?: string;
  enterprise_email?: string;
  department_ids?: string[];
  status?: { is_activated?: boolean; is_frozen?: boolean; is_resigned?: boolean; is_exited?: boolean };
};
type Page<T> = {
  code?: number;
  msg?: string;
  data?: { has_more?: boolean; page_token?: string; items?: T[] };
};

const SCOPES = 'contact:contact.base:readonly, contact:department.base:readonly, contact:user.base:readonly';

/** What the admin grants when Feishu refuses the directory: the scopes it named, or the contact range. */
export function directoryAdvice(code: number, msg: string): { en: string; zh: string } {
  if (code === 99991672) {
    const named = /required: \[([^\]]+)\]/.exec(msg)?.[1];
    const scopes = named ? `one of ${named}` : SCOPES;
    return {
      en:
        `the Feishu app lacks a contact scope (code 99991672): in the developer console › the app › 权限管理 ` +
        `(Permissions) add ${scopes} (and contact:user.email:readonly for the email), then publish a new version; ` +
        'see docs/setup-feishu.md.',
      zh:
        `飞书应用缺少通讯录权限（错误码 99991672）：请在开发者后台 › 该应用 › 权限管理 中开通 ${named ? `以下任一：${named}` : SCOPES}` +
        '（邮箱另需 contact:user.email:readonly），并发布新版本；见 docs/setup-feishu.md。',
    };
  }
  return {
    en:
      `Feishu does not show the app these contacts (code ${code}): in the developer console › the app › 权限管理 › ` +
      '数据权限 › 通讯录权限范围 (contact range), choose everyone (全部成员) or the departments to import, then publish; ' +
      'see docs/setup-feishu.md.',
    zh:
      `飞书未向应用开放这些通讯录（错误码 ${code}）：请在开发者后台 › 该应用 › 权限管理 › 数据权限 › 通讯录权限范围 中选择` +
      '全部成员或要导入的部门，并发布新版本；见 docs/setup-feishu.md。',
  };
}

/** A scope missing, or a department / person outside the contact range. */
const REFUSED = new Set([99991672, 99991679, 40004, 41050]);

export class FeishuDirectory {
  /** When the calls of the last second were made, for PER_SECOND. */
  private readonly recent: number[] = [];

  constructor(
    private readonly api: FeishuApi,
    private readonly log: Logger,
    private readonly sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  ) {}

  /** Everyone the app may see, in the first of their departments and the ones above it, then their others. */
  async list(): Promise<DirectoryEntry[]> {
    const departments = new Map<string, Department>();
    await this.pages<Department>(
      'contact.v3.department.children',
      (page_token) =>
        this.api.client.contact.v3.department.children({
          path: { department_id: ROOT },
          params: {
            department_id_type: 'open_department_id',
            user_id_type: 'open_id',
            fetch_child: true,
            page_size: PAGE_SIZE,
            ...(page_token ? { page_token } : {}),
          },
        }),
      (d) => {
        if (d.open_department_id) departments.set(d.open_department_id, d);
      },
    );
    const out = new Map<string, DirectoryEntry>();
    for (const dept of [ROOT, ...departments.keys()])
      await this.pages<User>(
        'contact.v3.user.findByDepartment',
        (page_token) =>
          this.api.client.contact.v3.user.findByDepartment({
            params: {
              department_id: dept,
              department_id_type: 'open_department_id',
              user_id_type: 'open_id',
              page_size: PAGE_SIZE,
              ...(page_token ? { page_token } : {}),
            },
          }),
        (u) => {
          const s = u.status;
          // Listed in each of their departments; not yet joined, frozen or gone: left out.
          if (!u.open_id || out.has(u.open_id)) return;
          if (s && (s.is_activated === false || s.is_frozen || s.is_resigned || s.is_exited)) return;
          out.set(u.open_id, entry(u, departments));
        },
      );
    this.log.info({ people: out.size, departments: departments.size }, 'feishu directory read');
    return [...out.values()];
  }

  /** Every page of one listing; a refusal the admin must fix is an AdminActionError, throttling waits. */
  private async pages<T>(
    what: string,
    fetchPage: (pageToken: string | undefined) => Promise<Page<T>>,
    each: (item: T) => void,
  ): Promise<void> {
    let pageToken: string | undefined;
    do {
      const page = await this.page(what, () => fetchPage(pageToken));
      for (const item of page.data?.items ?? []) each(item);
      pageToken = page.data?.has_more ? page.data.page_token || undefined : undefined;
    } while (pageToken);
  }

  private async page<T>(what: string, fetchPage: () => Promise<Page<T>>): Promise<Page<T>> {
    for (let attempt = 1; ; attempt++) {
      await this.pace();
      // What Feishu answered, before FeishuApi.call turns it into a delivery failure.
      let refusal: unknown;
      try {
        const res = await this.api.call(what, () =>
          fetchPage().catch((err: unknown) => {
            refusal = err;
            throw err;
          }),
        );
        if (res.code !== undefined && res.code !== 0)
          throw new Error(`feishu ${what}: ${res.code} ${res.msg ?? ''}`);
        return res;
      } catch (err) {
        if (err instanceof RetryLaterError && attempt < TRIES) {
          await this.sleep(Math.min(err.afterMs, 5000));
          continue;
        }
        const e = feishuErrorOf(refusal);
        if (e && REFUSED.has(e.code)) {
          this.log.warn({ what, code: e.code }, 'feishu directory: refused');
          throw new AdminActionError(`feishu ${what}: ${e.code} ${e.msg}`, directoryAdvice(e.code, e.msg));
        }
        throw err;
      }
    }
  }

  private async pace(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.recent.length && this.recent[0]! <= now - 1000) this.recent.shift();
      if (this.recent.length < PER_SECOND) break;
      await this.sleep(this.recent[0]! + 1000 - now);
    }
    this.recent.push(Date.now());
  }
}

/** The directory import's entry: the first department, the ones above it, then the others. */
function entry(u: User, departments: Map<string, Department>): DirectoryEntry {
  const names: string[] = [];
  for (const id of u.department_ids ?? [])
    for (let d = departments.get(id); d; d = departments.get(d.parent_department_id))
      if (!names.includes(d.name)) names.push(d.name);
  const email = u.email || u.enterprise_email;
  const [department, ...others] = names;
  return {
    externalId: u.open_id!,
    name: u.name || u.en_name || u.open_id!,
    ...(email ? { email } : {}),
    ...(department ? { department } : {}),
    ...(others.length ? { otherDepartments: others } : {}),
  };
}
