// The corporation's contact directory (通讯录) for admin directory import, through the self-built app's API
// (qyapi, `?access_token=` of the app's secret): the departments the app may see (GET department/list, all
// levels at once), then each department's members (GET user/list?department_id=, one answer per department,
// no paging). The app sees what its visible range (可见范围) covers; since 2022-06-20 a newly created app gets
// no email there (only through OAuth), so people may come without one. The intelligent robot has no contact
// API at all: without the app settings the admin is told what to configure.
import type { Logger } from 'pino';
import { AdminActionError, type DirectoryEntry, RetryLaterError } from '../../src/port/index.ts';
import type { AppSettings } from './config.ts';

/** A throttled call is tried this many times, a second apart, before the admin is told to wait. */
const BUSY_TRIES = 3;
const BUSY_WAIT_MS = 1000;

type Result = { errcode: number; errmsg: string };
type Department = { id: number; name: string; parentid: number; order?: number };
type Member = {
  userid: string;
  name?: string;
  department?: number[];
  main_department?: number;
  email?: string;
  biz_mail?: string;
  position?: string;
  /** 1 activated, 2 disabled, 4 not activated, 5 left. */
  status?: number;
};

/** What the intelligent robot lacks: the self-built app settings, in both languages. */
export const BOT_ONLY_ADVICE = {
  en:
    'the WeCom intelligent robot (WECOM_BOT_ID) has no contact API. Directory import reads the directory through ' +
    'a self-built app (自建应用): set WECOM_CORP_ID and WECOM_APP_SECRET (with WECOM_AGENT_ID, WECOM_TOKEN and ' +
    'WECOM_ENCODING_AES_KEY) of an app whose visible range (可见范围) covers the people to import; see docs/setup-wecom.md.',
  zh:
    '企业微信智能机器人（WECOM_BOT_ID）没有通讯录接口。通讯录导入需通过自建应用读取：请配置自建应用的 WECOM_CORP_ID 和 ' +
    'WECOM_APP_SECRET（以及 WECOM_AGENT_ID、WECOM_TOKEN、WECOM_ENCODING_AES_KEY），且该应用的可见范围包含要导入的人员；' +
    '见 docs/setup-wecom.md。',
};

/** What the app lacks when WeCom refuses it: the visible range, the API, or the trusted IP. */
export function refusalAdvice(errcode: number): { en: string; zh: string } {
  if (errcode === 60020)
    return {
      en:
        'WeCom refused the server’s IP address (errcode 60020): add it to the self-built app’s 企业可信IP ' +
        '(app › 开发者接口 › 企业可信IP) in the admin console; see docs/setup-wecom.md.',
      zh: '企业微信拒绝了服务器的 IP（错误码 60020）：请在管理后台 › 该自建应用 › 企业可信IP 中添加它；见 docs/setup-wecom.md。',
    };
  return {
    en:
      `WeCom refused to show the self-built app the contacts (errcode ${errcode}): in the admin console › 应用管理 › ` +
      'the app, set its visible range (可见范围) to the departments to import (the whole company for everyone), and ' +
      'check that WECOM_APP_SECRET is that app’s Secret; see docs/setup-wecom.md.',
    zh:
      `企业微信拒绝向自建应用提供通讯录（错误码 ${errcode}）：请在管理后台 › 应用管理 › 该应用 中把可见范围设为要导入的部门` +
      '（导入全员则选全公司），并确认 WECOM_APP_SECRET 是该应用的 Secret；见 docs/setup-wecom.md。',
  };
}

/** No privilege for the contact, the API, or this app (a secret of another app), or the IP is not trusted. */
const REFUSED = new Set([60011, 48002, 48009, 301002, 60020]);
const BAD_TOKEN = new Set([40014, 42001, 41001]);
const BUSY = new Set([45009, 45033, -1]);

export class WeComDirectory {
  private token: { value: string; until: number } | null = null;

  constructor(
    private readonly apiUrl: string,
    private readonly app: AppSettings,
    private readonly log: Logger,
    private readonly sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  ) {}

  /** Everyone the app may see, with their main department, the ones above it and their others. */
  async list(): Promise<DirectoryEntry[]> {
    const { department } = await this.get<{ department?: Department[] }>('department/list', {});
    const departments = new Map((department ?? []).map((d) => [d.id, d]));
    const out = new Map<string, DirectoryEntry>();
    for (const d of departments.values()) {
      const { userlist } = await this.get<{ userlist?: Member[] }>('user/list', {
        department_id: String(d.id),
      });
      for (const m of userlist ?? []) {
        // Someone in several departments is listed in each; disabled, not activated or gone: left out.
        if (!m.userid || out.has(m.userid) || (m.status !== undefined && m.status !== 1)) continue;
        out.set(m.userid, entry(m, departments));
      }
    }
    this.log.info({ people: out.size, departments: departments.size }, 'wecom directory read');
    return [...out.values()];
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    const q = new URLSearchParams({ corpid: this.app.corpId, corpsecret: this.app.secret });
    const json = await this.fetchJson<Result & { access_token?: string; expires_in?: number }>(
      `${this.apiUrl}/cgi-bin/gettoken?${q}`,
    );
    if (json.errcode !== 0 || !json.access_token) {
      if (json.errcode === 40001 || json.errcode === 40013 || json.errcode === 40091)
        throw new AdminActionError(`wecom gettoken: ${json.errcode} ${json.errmsg}`, {
          en: 'WeCom refused the self-built app’s credentials: check WECOM_CORP_ID and WECOM_APP_SECRET (the app’s Secret).',
          zh: '企业微信拒绝了自建应用的凭证：请检查 WECOM_CORP_ID 与 WECOM_APP_SECRET（该应用的 Secret）。',
        });
      throw new Error(`wecom gettoken: ${json.errcode} ${json.errmsg}`);
    }
    // WeCom hands out the same token while it is valid: this cache and the app transport's agree.
    this.token = { value: json.access_token, until: Date.now() + ((json.expires_in ?? 7200) - 300) * 1000 };
    return json.access_token;
  }

  /** One GET: a refused token is replaced once, "busy" waits a second (three tries), refusals name the fix. */
  private async get<T>(path: string, query: Record<string, string>): Promise<T & Result> {
    let tokenRetried = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.accessToken();
      const q = new URLSearchParams({ ...query, access_token: token });
      const json = await this.fetchJson<T & Result>(`${this.apiUrl}/cgi-bin/${path}?${q}`);
      if (json.errcode === 0) return json;
      const message = `wecom ${path}: errcode ${json.errcode}: ${json.errmsg}`;
      if (BAD_TOKEN.has(json.errcode) && !tokenRetried) {
        tokenRetried = true;
        this.token = null;
        continue;
      }
      if (BUSY.has(json.errcode)) {
        if (attempt < BUSY_TRIES) {
          await this.sleep(BUSY_WAIT_MS);
          continue;
        }
        throw new RetryLaterError(message, 60_000);
      }
      if (REFUSED.has(json.errcode)) {
        this.log.warn({ path, errcode: json.errcode }, 'wecom directory: refused');
        throw new AdminActionError(message, refusalAdvice(json.errcode));
      }
      throw new Error(message);
    }
  }

  private async fetchJson<T>(url: string): Promise<T> {
    const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    return (await res.json().catch(() => ({ errcode: -1, errmsg: `HTTP ${res.status}` }))) as T;
  }
}

/** The directory import's entry: the main department first, the ones above it, then the others. */
function entry(m: Member, departments: Map<number, Department>): DirectoryEntry {
  const names: string[] = [];
  const add = (id: number) => {
    // The root department is the company itself, not a department of the bot's.
    for (let d = departments.get(id); d && d.parentid !== 0; d = departments.get(d.parentid))
      if (!names.includes(d.name)) names.push(d.name);
  };
  const ids = m.department ?? [];
  const main = m.main_department ?? ids[0];
  if (main !== undefined) add(main);
  for (const id of ids) if (id !== main) add(id);
  const email = m.email || m.biz_mail;
  const [department, ...others] = names;
  return {
    externalId: m.userid,
    name: m.name || m.userid,
    ...(email ? { email } : {}),
    ...(department ? { department } : {}),
    ...(others.length ? { otherDepartments: others } : {}),
  };
}
