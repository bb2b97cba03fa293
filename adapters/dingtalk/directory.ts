// The organisation's contact directory (通讯录) for admin directory import, through DingTalk's server API
// (oapi.dingtalk.com, `?access_token=`; the internal app's token from /v1.0/oauth2/accessToken serves it too):
// the departments walked from the root (topapi/v2/department/listsub gives one level, so every level is
// asked), then each department's people page by page (topapi/v2/user/list: cursor, size ≤ 100, has_more /
// next_cursor). oapi answers HTTP 200 with a numeric errcode; errcode 88 carries the real one in sub_code.
import type { Logger } from 'pino';
import { AdminActionError, type DirectoryEntry, RetryLaterError } from '../../src/port/index.ts';
import { type DingTalkApi, QPS_WAIT_MS, WindowLimiter } from './api.ts';

/** The root department (the organisation itself). */
const ROOT = 1;
/** DingTalk's largest page of topapi/v2/user/list. */
export const PAGE_SIZE = 100;
/** A throttled call is tried this many times (a second apart, DingTalk's advice) before the admin is told to wait. */
const QPS_TRIES = 3;

type OapiResult<T> = {
  errcode?: number;
  errmsg?: string;
  sub_code?: string;
  sub_msg?: string;
  result?: T;
};

type Department = { dept_id: number; name: string; parent_id: number };
type User = {
  userid: string;
  name: string;
  email?: string;
  org_email?: string;
  mobile?: string;
  title?: string;
  dept_id_list?: number[];
  active?: boolean;
};
type UserPage = { has_more: boolean; next_cursor?: number; list: User[] };

/** What the app must be granted in the developer console to read the directory, in both languages. */
export const DIRECTORY_ADVICE = {
  en:
    'the DingTalk app lacks the contact permissions. In the developer console (open-dev.dingtalk.com) › the app › ' +
    '权限管理, apply for 通讯录部门信息读权限 (qyapi_get_department_list) and 成员信息读权限 (qyapi_get_member), ' +
    'with 邮箱等个人信息 for the email; set its 通讯录权限范围 (contact scope) to everyone to import; see docs/setup-dingtalk.md.',
  zh:
    '钉钉应用缺少通讯录权限。请在开发者后台（open-dev.dingtalk.com）› 该应用 › 权限管理 中申请 通讯录部门信息读权限' +
    '（qyapi_get_department_list）和 成员信息读权限（qyapi_get_member），邮箱需 邮箱等个人信息；并把 通讯录权限范围' +
    ' 设为要导入的全部人员；见 docs/setup-dingtalk.md。',
};

/** errcode 60020: the server's address is not one the app allows. */
export const IP_ADVICE = {
  en:
    'DingTalk refused the server’s IP address (60020): add it to the app’s 服务器出口IP (developer console › the app › ' +
    '开发管理); see docs/setup-dingtalk.md.',
  zh: '钉钉拒绝了服务器的 IP（60020）：请在开发者后台 › 该应用 › 开发管理 的 服务器出口IP 中添加它；见 docs/setup-dingtalk.md。',
};

/** The code that says what went wrong: sub_code when errcode is 88 (鉴权异常), else errcode. */
function codeOf(r: OapiResult<unknown>): string {
  return r.errcode === 88 && r.sub_code ? String(r.sub_code) : String(r.errcode ?? '');
}

const isQps = (code: string) => code === '90018' || code === '90002' || code === '90020';
const isToken = (code: string) => code === '40014' || code === '42001' || code === '40001';
/** No permission for the API, the IP is not in the app's allow list, or the person or department is outside its contact scope. */
const isPermission = (code: string) => code === '60011' || code === '60020' || code === '50004';

export class DingTalkDirectory {
  private readonly limiter: WindowLimiter;

  constructor(
    private readonly api: DingTalkApi,
    private readonly oapiUrl: string,
    private readonly log: Logger,
    qps: number,
    private readonly sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  ) {
    this.limiter = new WindowLimiter(qps, 1000);
  }

  /** Everyone in the organisation the app may see, with the department they are in and the ones above it. */
  async list(): Promise<DirectoryEntry[]> {
    const departments = await this.departments();
    const out = new Map<string, DirectoryEntry>();
    for (const dept of [ROOT, ...departments.keys()]) {
      let cursor = 0;
      for (;;) {
        const page = await this.call<UserPage>('topapi/v2/user/list', {
          dept_id: dept,
          cursor,
          size: PAGE_SIZE,
        });
        for (const u of page.list ?? []) {
          // Someone in several departments is listed in each; not yet activated: not on DingTalk yet.
          if (!u.userid || out.has(u.userid) || u.active === false) continue;
          out.set(u.userid, entry(u, departments));
        }
        if (!page.has_more || page.next_cursor === undefined) break;
        cursor = page.next_cursor;
      }
    }
    this.log.info({ people: out.size, departments: departments.size }, 'dingtalk directory read');
    return [...out.values()];
  }

  /** Every department below the root, by id (listsub answers one level: each is asked for its own). */
  private async departments(): Promise<Map<number, { name: string; parent: number }>> {
    const all = new Map<number, { name: string; parent: number }>();
    const queue = [ROOT];
    while (queue.length) {
      const id = queue.shift()!;
      const subs = await this.call<Department[]>('topapi/v2/department/listsub', { dept_id: id });
      for (const d of subs ?? []) {
        if (all.has(d.dept_id) || d.dept_id === ROOT) continue;
        all.set(d.dept_id, { name: d.name, parent: d.parent_id });
        queue.push(d.dept_id);
      }
    }
    return all;
  }

  /** One oapi call: a refused token is replaced once, throttling waits a second (three tries). */
  private async call<T>(api: string, body: unknown): Promise<T> {
    let tokenRetried = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.api.accessToken();
      const release = await this.limiter.acquire(api);
      let res: Response;
      let json: OapiResult<T>;
      try {
        res = await fetch(`${this.oapiUrl}/${api}?access_token=${encodeURIComponent(token)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        json = (await res.json().catch(() => ({ errcode: res.status }))) as OapiResult<T>;
      } finally {
        release();
      }
      const code = codeOf(json);
      if (res.ok && code === '0') return json.result as T;
      const message = `dingtalk ${api}: ${code} ${json.sub_msg ?? json.errmsg ?? ''}`.trim();
      if (isToken(code) && !tokenRetried) {
        tokenRetried = true;
        this.api.invalidate(token);
        continue;
      }
      if (isQps(code) || res.status === 429) {
        if (attempt < QPS_TRIES) {
          await this.sleep(QPS_WAIT_MS);
          continue;
        }
        throw new RetryLaterError(message, 60_000);
      }
      if (isPermission(code)) {
        this.log.warn({ api, code, errmsg: json.errmsg }, 'dingtalk directory: permission refused');
        throw new AdminActionError(message, code === '60020' ? IP_ADVICE : DIRECTORY_ADVICE);
      }
      throw new Error(message);
    }
  }
}

/** A person as the directory import takes them: their first department, the ones above it, then their others. */
function entry(u: User, departments: Map<number, { name: string; parent: number }>): DirectoryEntry {
  const names: string[] = [];
  const add = (name: string | undefined) => {
    if (name && !names.includes(name)) names.push(name);
  };
  const ids = (u.dept_id_list ?? []).filter((id) => id !== ROOT);
  // Each department, then the ones above it, nearest first (the root is the organisation, not a department).
  for (const id of ids) {
    add(departments.get(id)?.name);
    for (let up = departments.get(id)?.parent; up && up !== ROOT; up = departments.get(up)?.parent)
      add(departments.get(up)?.name);
  }
  const email = u.email || u.org_email;
  const [department, ...others] = names;
  return {
    externalId: u.userid,
    name: u.name || u.userid,
    ...(email ? { email } : {}),
    ...(department ? { department } : {}),
    ...(others.length ? { otherDepartments: others } : {}),
  };
}
