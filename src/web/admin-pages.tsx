// The admin pages (admins): people with their platform identities and roles, chat bindings, the approval
// policy and KPI targets, the working calendar and the backup log. Read-only but for the KPI targets, whose
// form runs `admin policy` through the core (Core.handleWebAction) like a typed command; every other change
// names the chat command that makes it.
import type { Child } from 'hono/jsx';
import type { DepartmentCode } from '../commands/keys.ts';
import { ROLE_NAMES, type Role } from '../core/actor.ts';
import type { FlowContext } from '../core/context.ts';
import { age, fileName, size, stateOf } from '../flows/backup.ts';
import { DEPARTMENT_NAMES } from '../flows/common.ts';
import { MAIL_ITEMS } from '../flows/mail-policy.ts';
import { isLocale, pick } from '../i18n/locale.ts';
import { TARGET_KEYS, type TargetKey } from '../kpi/policy-keys.ts';
import { fieldNames, RECORD_TYPES } from '../kpi/required.ts';
import { formatTarget, shortTarget } from '../kpi/targets.ts';
import { DEFAULT_HOURS } from '../schedule/calendar.ts';
import type { AdminTab, BackupView, BindingRow, CalendarView, PersonRow, Policy } from './admin-data.ts';
import { Page } from './layout.tsx';
import { say } from './text.ts';

type L = 'en' | 'zh';

const TAB_NAMES: Record<AdminTab, { en: string; zh: string }> = {
  people: { en: 'People', zh: '人员' },
  chats: { en: 'Chats', zh: '群绑定' },
  policy: { en: 'Policy & targets', zh: '审批规则与考核时限' },
  calendar: { en: 'Calendar', zh: '工作日历' },
  backups: { en: 'Backups', zh: '备份' },
};

const deptName = (code: string | null, l: L) =>
  code ? (DEPARTMENT_NAMES[code as DepartmentCode]?.[l] ?? code) : '—';
const roleName = (r: string | null, l: L) => {
  const name = r ? (ROLE_NAMES[r as Role]?.[l] ?? r) : say(l, 'no role', '无角色');
  return pick(l, { en: name.charAt(0).toUpperCase() + name.slice(1), zh: name });
};

function Cmd(p: { children?: Child }) {
  return <code class="cmd">{p.children}</code>;
}

function Frame(p: { ctx: FlowContext; csrf: string; tab: AdminTab; children?: Child; flash?: Flash }) {
  const l = p.ctx.locale;
  return (
    <Page
      title={`${TAB_NAMES[p.tab][l]} · ${say(l, 'Admin', '管理')}`}
      actor={p.ctx.actor}
      csrf={p.csrf}
      section="admin"
    >
      <link rel="stylesheet" href="/app/assets/oversight.css" />
      <h1>{say(l, 'Administration', '系统管理')}</h1>
      <nav class="tabs" data-testid="admin-tabs">
        {(Object.keys(TAB_NAMES) as AdminTab[]).map((t) => (
          <a href={t === 'people' ? '/app/admin' : `/app/admin/${t}`} class={t === p.tab ? 'on' : ''}>
            {TAB_NAMES[t][l]}
          </a>
        ))}
      </nav>
      {p.flash && (
        <p class={`flash ${p.flash.bad ? 'bad' : ''}`} data-testid="flash">
          {p.flash.text}
        </p>
      )}
      {p.children}
    </Page>
  );
}

export type Flash = { text: string; bad: boolean };

/** What each KPI target times, in words. */
export const TARGET_NAMES: Record<TargetKey, { en: string; zh: string }> = {
  'target.order.deliver': { en: 'Approved order reaches the departments', zh: '已批准订单送达各部门' },
  'target.order.ack': { en: 'Departments acknowledge the order', zh: '各部门确认订单' },
  'target.change.deliver': { en: 'Order change reaches the departments', zh: '订单变更送达各部门' },
  'target.change.ack': { en: 'Departments acknowledge the change', zh: '各部门确认变更' },
  'target.cancel.deliver': { en: 'Cancellation reaches the departments', zh: '订单取消送达各部门' },
  'target.cancel.ack': { en: 'Departments acknowledge the cancellation', zh: '各部门确认取消' },
  'target.lead.assign': { en: 'New lead assigned', zh: '新线索分配' },
  'target.lead.follow': { en: 'First follow-up (without a deadline)', zh: '首次跟进（无截止时间时）' },
  'target.shipment.deliver': { en: 'Shipment reaches sales and service', zh: '发货通知送达销售和客服' },
  'target.quote.deliver': { en: 'Quote decision reaches the requester', zh: '报价审批结果送达申请人' },
  'target.correction.deliver': {
    en: 'Customer correction reaches its receivers',
    zh: '客户信息更正送达已接收方',
  },
};

export function PeoplePage(p: { ctx: FlowContext; csrf: string; rows: PersonRow[] }) {
  const l = p.ctx.locale;
  const active = p.rows.filter((r) => r.active).length;
  return (
    <Frame ctx={p.ctx} csrf={p.csrf} tab="people">
      <p class="muted count" data-testid="people-count">
        {say(
          l,
          `${active} active, ${p.rows.length - active} left`,
          `在职 ${active} 人，离职 ${p.rows.length - active} 人`,
        )}
      </p>
      <section class="card">
        <div class="scroll">
          <table data-testid="people">
            <thead>
              <tr>
                <th>{say(l, 'Name', '姓名')}</th>
                <th>{say(l, 'Role', '角色')}</th>
                <th>{say(l, 'Department', '部门')}</th>
                <th>{say(l, 'Platform identities', '平台身份')}</th>
                <th class="hide-phone">{say(l, 'Email', '邮箱')}</th>
                <th class="hide-phone">{say(l, 'Language', '语言')}</th>
              </tr>
            </thead>
            <tbody>
              {p.rows.map((r) => (
                <tr data-testid="person" data-person={String(r.id)} class={r.active ? '' : 'muted'}>
                  <td>
                    {r.name}
                    {r.handle && <small class="muted"> @{r.handle}</small>}
                    {!r.active && <span class="tag">{say(l, 'left', '已离职')}</span>}
                  </td>
                  <td>{roleName(r.role, l)}</td>
                  <td>{deptName(r.dept, l)}</td>
                  <td>
                    <div class="chips">
                      {r.identities.length === 0 && <span class="muted">—</span>}
                      {r.identities.map((i) => (
                        <span class="chip" title={i.tenant ? `${i.platform} · ${i.tenant}` : i.platform}>
                          {`${i.platform} · ${i.displayName ?? i.externalId}`}
                        </span>
                      ))}
                    </div>
                  </td>
                  <td class="hide-phone">{r.email ?? '—'}</td>
                  <td class="hide-phone">
                    {isLocale(r.locale) ? pick(r.locale, { en: 'English', zh: '中文' }) : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <p class="hint">
        {say(l, 'To change, type in a chat with the bot: ', '如需修改，请在与机器人的聊天中输入：')}
        <Cmd>{say(l, 'admin role @li sales_manager', '管理 角色 @li 销售经理')}</Cmd>{' '}
        <Cmd>{say(l, 'admin offboard @li to=@chen', '管理 离职 @li 交接=@chen')}</Cmd>{' '}
        <Cmd>{say(l, 'admin person @li email=li@example.com', '管理 人员资料 @li 邮箱=li@example.com')}</Cmd>{' '}
        <Cmd>{say(l, 'admin directory import', '管理 通讯录 导入')}</Cmd>
      </p>
    </Frame>
  );
}

export function ChatsPage(p: { ctx: FlowContext; csrf: string; rows: BindingRow[] }) {
  const l = p.ctx.locale;
  return (
    <Frame ctx={p.ctx} csrf={p.csrf} tab="chats">
      <p class="muted count">
        {say(l, `${p.rows.length} chats bound to departments`, `共 ${p.rows.length} 个群绑定了部门`)}
      </p>
      <section class="card">
        {p.rows.length === 0 ? (
          <p class="muted">{say(l, 'No chat is bound yet.', '尚无绑定的群。')}</p>
        ) : (
          <div class="scroll">
            <table data-testid="bindings">
              <thead>
                <tr>
                  <th>{say(l, 'Chat', '群')}</th>
                  <th>{say(l, 'Platform', '平台')}</th>
                  <th>{say(l, 'Departments', '部门')}</th>
                  <th class="hide-phone">{say(l, 'Bound by', '绑定人')}</th>
                  <th class="hide-phone">{say(l, 'Since', '绑定时间')}</th>
                  <th class="hide-phone">{say(l, 'Settings', '设置')}</th>
                </tr>
              </thead>
              <tbody>
                {p.rows.map((b) => (
                  <tr data-testid="binding" data-chat={b.chatId}>
                    <td>
                      {b.title ?? b.chatId}
                      {b.title && b.title !== b.chatId && <small class="muted"> · {b.chatId}</small>}
                    </td>
                    <td>{b.platform}</td>
                    <td>
                      <div class="chips">
                        {b.departments.map((d) => (
                          <span class="tag">{deptName(d, l)}</span>
                        ))}
                      </div>
                    </td>
                    <td class="hide-phone">{b.boundBy ?? '—'}</td>
                    <td class="hide-phone nowrap">{p.ctx.fmtDate(b.since)}</td>
                    <td class="hide-phone">
                      {b.settings.length ? b.settings.map((s) => <span class="chip">{`${s} ✓`}</span>) : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <p class="hint">
        {say(l, 'To bind a chat, type in that chat: ', '绑定群：在该群中输入 ')}
        <Cmd>{say(l, 'admin bind finance', '管理 绑定 财务')}</Cmd>
        {say(l, ' (several departments: ', '（多个部门：')}
        <Cmd>{say(l, 'admin bind production logistics', '管理 绑定 生产 物流')}</Cmd>
        {say(l, '); to unbind: ', '）；解除绑定：')}
        <Cmd>{say(l, 'admin unbind finance', '管理 解绑 财务')}</Cmd>
        {say(
          l,
          '. Setting values (webhook keys) are never shown.',
          '。设置的值（如 Webhook 密钥）不会显示。',
        )}
      </p>
    </Frame>
  );
}

export function PolicyPage(p: { ctx: FlowContext; csrf: string; policy: Policy; flash?: Flash }) {
  const { ctx, policy } = p;
  const l = ctx.locale;
  const joint = policy.approvals.quoteJoint
    .map((d) => deptName(d, l))
    .join(pick(l, { en: ' and ', zh: '和' }));
  const keys = Object.keys(TARGET_KEYS) as TargetKey[];
  return (
    <Frame ctx={ctx} csrf={p.csrf} tab="policy" {...(p.flash ? { flash: p.flash } : {})}>
      <div class="grid">
        <section class="card">
          <h2>{say(l, 'Approval policy', '审批规则')}</h2>
          <table data-testid="approval-policy">
            <tbody>
              <tr>
                <td>{say(l, 'Quote', '报价')}</td>
                <td>
                  {say(
                    l,
                    `Sales manager; above ${ctx.money(policy.approvals.quoteThresholdMinor)} or for key accounts also the heads of ${joint}, all of them`,
                    `销售经理；超过 ${ctx.money(policy.approvals.quoteThresholdMinor)} 或重点客户，另需${joint}负责人会签`,
                  )}
                </td>
              </tr>
              <tr>
                <td>{say(l, 'Order', '订单')}</td>
                <td>{say(l, 'Sales manager', '销售经理')}</td>
              </tr>
              <tr>
                <td>{say(l, 'Order change', '订单变更')}</td>
                <td>
                  {say(
                    l,
                    'Heads of the affected departments, all of them (delivery/place → production and logistics; items/payment → production and finance)',
                    '受影响部门负责人会签（交期/地点 → 生产和物流；明细/付款 → 生产和财务）',
                  )}
                </td>
              </tr>
              <tr>
                <td>{say(l, 'Order cancellation', '订单取消')}</td>
                <td>{say(l, 'Sales manager', '销售经理')}</td>
              </tr>
              <tr>
                <td>{say(l, 'Customer correction', '客户信息更正')}</td>
                <td>{say(l, 'The owning rep or a sales manager', '负责销售或销售经理（或签）')}</td>
              </tr>
            </tbody>
          </table>
          <p class="hint">
            {say(l, 'To change: ', '修改：')}
            <Cmd>
              {say(
                l,
                'admin policy threshold=100000 joint=finance,marketing',
                '管理 规则 阈值=100000 会签=财务,市场',
              )}
            </Cmd>
          </p>
          <h2 class="spaced">{say(l, 'Sent by email too', '同时发送邮件')}</h2>
          <div class="chips" data-testid="email-policy">
            {policy.email.length === 0 && <span class="muted">—</span>}
            {policy.email.map((m) => (
              <span class="tag">{MAIL_ITEMS[m][l]}</span>
            ))}
          </div>
        </section>
        <section class="card">
          <h2>{say(l, 'KPI targets (working time)', '考核时限（按工作时间）')}</h2>
          <table data-testid="kpi-targets">
            <tbody>
              {keys.map((k) => (
                <tr data-key={k}>
                  <td>
                    {TARGET_NAMES[k][l]}
                    <br />
                    <small class="muted key">{pick(l, { en: k, zh: TARGET_KEYS[k][1] })}</small>
                  </td>
                  <td class="num nowrap">{formatTarget(policy.kpi.targets[k], l)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <form method="post" action="/app/admin/policy" class="inline spaced" data-testid="target-form">
            <input type="hidden" name="_csrf" value={p.csrf} />
            <label>
              {say(l, 'Target', '时限')}
              <select name="key">
                {keys.map((k) => (
                  <option value={k}>{TARGET_NAMES[k][l]}</option>
                ))}
              </select>
            </label>
            <label>
              {say(l, 'New value (30m, 8h, 1d)', '新值（30m、8h、1d）')}
              <input
                type="text"
                name="value"
                size={8}
                maxlength={10}
                required
                placeholder={shortTarget(policy.kpi.targets['target.order.ack'])}
              />
            </label>
            <button type="submit">{say(l, 'Change', '修改')}</button>
          </form>
          <p class="hint">
            {say(l, 'The same as typing ', '与在聊天中输入 ')}
            <Cmd>{say(l, 'admin policy target.order.ack=8h', '管理 规则 时限.订单.确认=8h')}</Cmd>
            {say(l, ' in chat: recorded in the audit log.', ' 相同：记入审计日志。')}
          </p>
        </section>
        <section class="card">
          <h2>{say(l, 'Required fields (completeness)', '必填项（完整性）')}</h2>
          <table data-testid="required-fields">
            <tbody>
              {RECORD_TYPES.map((t) => (
                <tr>
                  <td>
                    {
                      {
                        customer: say(l, 'Customer', '客户'),
                        lead: say(l, 'Lead', '线索'),
                        quote: say(l, 'Quote', '报价'),
                        order: say(l, 'Order', '订单'),
                      }[t]
                    }
                  </td>
                  <td>{fieldNames(t, policy.kpi.required[t], l) || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="hint">
            {say(l, 'To change: ', '修改：')}
            <Cmd>
              {say(
                l,
                'admin policy required.customer=contact,phone,address',
                '管理 规则 必填.客户=联系人,电话,地址',
              )}
            </Cmd>
          </p>
        </section>
      </div>
    </Frame>
  );
}

export function CalendarPage(p: { ctx: FlowContext; csrf: string; cal: CalendarView }) {
  const l = p.ctx.locale;
  const { cal } = p;
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    <Frame ctx={p.ctx} csrf={p.csrf} tab="calendar">
      <p class="muted count">
        {say(
          l,
          `Working days Monday to Friday, ${pad(DEFAULT_HOURS.start)}:00–${pad(DEFAULT_HOURS.end)}:00 (${cal.zone}), except the dates below.`,
          `工作日为周一至周五 ${pad(DEFAULT_HOURS.start)}:00–${pad(DEFAULT_HOURS.end)}:00（${cal.zone}），下列日期除外。`,
        )}
      </p>
      {cal.years.map((y) => {
        const rows = cal.rows.filter((r) => r.date.startsWith(String(y)));
        const off = rows.filter((r) => !r.working).length;
        const on = rows.length - off;
        return (
          <section class="card block" data-testid={`calendar-${y}`}>
            <h2>
              {y}{' '}
              <small class="muted">
                {rows.length
                  ? say(l, `${off} days off, ${on} make-up working days`, `休息 ${off} 天，调休上班 ${on} 天`)
                  : say(l, 'not loaded: weekends only', '未载入：仅按周末计算')}
              </small>
            </h2>
            {rows.length > 0 && (
              <div class="calendar">
                {Array.from({ length: 12 }, (_, i) => i + 1)
                  .map((m) => ({ m, days: rows.filter((r) => Number(r.date.slice(5, 7)) === m) }))
                  .filter((x) => x.days.length)
                  .map((x) => (
                    <div>
                      <h3>
                        {pick(l, {
                          en: new Date(Date.UTC(y, x.m - 1, 1)).toLocaleString('en', {
                            month: 'long',
                            timeZone: 'UTC',
                          }),
                          zh: `${x.m} 月`,
                        })}
                      </h3>
                      <ul>
                        {x.days.map((d) => (
                          <li data-date={d.date}>
                            <span class="nowrap">
                              {d.date.slice(5)}{' '}
                              <small class="muted">
                                {new Date(`${d.date}T00:00:00Z`).toLocaleString(
                                  pick(l, { en: 'en', zh: 'zh-CN' }),
                                  {
                                    weekday: 'short',
                                    timeZone: 'UTC',
                                  },
                                )}
                              </small>
                            </span>{' '}
                            <span class={d.working ? 'state-wait' : 'state-ok'}>
                              {d.working
                                ? say(l, 'working (make-up)', '调休上班')
                                : say(l, 'day off', '休息')}
                            </span>
                            {d.name && <span class="muted"> · {d.name}</span>}
                          </li>
                        ))}
                      </ul>
                    </div>
                  ))}
              </div>
            )}
          </section>
        );
      })}
      <p class="hint">
        {say(
          l,
          'There is no chat command for the calendar; on the server: ',
          '日历没有聊天命令；在服务器上运行：',
        )}
        <Cmd>npm run calendar -- load calendar-{cal.years[1]}.csv</Cmd>{' '}
        <Cmd>npm run calendar -- show {cal.years[0]}</Cmd>
        {say(l, ' (docs/operations.md).', '（见 docs/operations.md）。')}
      </p>
    </Frame>
  );
}

export function BackupsPage(p: { ctx: FlowContext; csrf: string; b: BackupView }) {
  const { ctx, b } = p;
  const l = ctx.locale;
  const at = (r: { finishedAt: Date | null; createdAt: Date }) => r.finishedAt ?? r.createdAt;
  const stale = b.good ? ctx.now.getTime() - at(b.good).getTime() > 2 * 86_400_000 : true;
  return (
    <Frame ctx={ctx} csrf={p.csrf} tab="backups">
      <div class="figures">
        <div class={`card figure ${stale ? 'bad' : ''}`} data-testid="backup-newest">
          <span>{say(l, 'Newest good backup', '最新的成功备份')}</span>
          <b>
            {b.good
              ? say(l, `${age(ctx, at(b.good))} ago`, `${age(ctx, at(b.good))}前`)
              : say(l, 'none', '无')}
          </b>
          <span>
            {b.good
              ? `${ctx.fmtDate(at(b.good), true)} · ${fileName(b.good.file)} ${size(b.good.size)}`
              : say(l, 'Make one now on the server: npm run backup', '请立即在服务器上运行：npm run backup')}
          </span>
        </div>
        <div
          class={`card figure ${b.drill?.state === 'failed' || !b.drill ? 'bad' : ''}`}
          data-testid="backup-drill"
        >
          <span>{say(l, 'Last restore drill', '最近一次恢复演练')}</span>
          <b>
            {b.drill
              ? b.drill.state === 'done'
                ? say(l, 'passed', '通过')
                : say(l, 'FAILED', '失败')
              : say(l, 'none yet', '尚未进行')}
          </b>
          <span>{b.drill ? ctx.fmtDate(at(b.drill), true) : ''}</span>
        </div>
        <div class="card figure">
          <span>{say(l, 'Entries in the log', '日志条数')}</span>
          <b>{b.total}</b>
          <span>{say(l, 'backups and drills', '备份与演练')}</span>
        </div>
      </div>
      <section class="card">
        {b.rows.length === 0 ? (
          <p class="muted">{say(l, 'No backup or drill yet.', '尚无备份或演练记录。')}</p>
        ) : (
          <div class="scroll">
            <table data-testid="backups">
              <thead>
                <tr>
                  <th class="num hide-phone">#</th>
                  <th>{say(l, 'Started', '开始时间')}</th>
                  <th>{say(l, 'Kind', '类型')}</th>
                  <th>{say(l, 'State', '状态')}</th>
                  <th>{say(l, 'File', '文件')}</th>
                  <th class="num">{say(l, 'Size', '大小')}</th>
                  <th>{say(l, 'Result', '结果')}</th>
                </tr>
              </thead>
              <tbody>
                {b.rows.map((r) => {
                  const result = r.result as { tables?: number; problems?: string[] } | null;
                  const state = stateOf(ctx, r);
                  const cls =
                    r.state === 'done' ? 'state-ok' : /FAILED|失败/.test(state) ? 'state-bad' : 'state-wait';
                  return (
                    <tr data-testid="backup" data-id={String(r.id)}>
                      <td class="num muted hide-phone">{r.id}</td>
                      <td class="nowrap">{ctx.fmtDate(r.startedAt ?? r.createdAt, true)}</td>
                      <td>
                        {r.kind === 'drill' ? say(l, 'drill', '演练') : say(l, 'backup', '备份')}{' '}
                        <small class="muted">
                          {r.trigger === 'schedule' ? say(l, 'scheduled', '定时') : say(l, 'manual', '手动')}
                        </small>
                      </td>
                      <td class={cls}>{state}</td>
                      <td>
                        {fileName(r.file) || '—'}
                        {r.encrypted && <span class="tag">{say(l, 'encrypted', '已加密')}</span>}
                      </td>
                      <td class="num nowrap">{size(r.size) || '—'}</td>
                      <td class="detail">
                        {r.kind === 'drill' && r.state === 'done' && result?.tables
                          ? say(l, `${result.tables} tables match`, `${result.tables} 张表一致`)
                          : ''}
                        {r.state === 'failed'
                          ? result?.problems?.slice(0, 3).join('; ') ||
                            (r.error ?? '').split('\n')[0]!.slice(0, 160)
                          : ''}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <p class="hint">
        {say(l, 'In chat: ', '聊天中：')}
        <Cmd>{say(l, 'backup list', '备份 列表')}</Cmd>
        {say(l, '; on the server: ', '；在服务器上：')}
        <Cmd>npm run backup</Cmd> <Cmd>npm run backup -- --drill</Cmd>
        {say(l, ' (docs/operations.md).', '（见 docs/operations.md）。')}
      </p>
    </Frame>
  );
}
