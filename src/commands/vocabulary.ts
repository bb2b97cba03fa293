// The words of the command language in English and Chinese (simplified and traditional where they differ).
// The first word of each list is the canonical name; the rest are aliases (plurals too: `list customers`,
// `export leads`). `help` lists them.

import { REQUIRED_KEYS, TARGET_KEYS } from '../kpi/policy-keys.ts';

export const NOUNS = {
  customer: ['customer', 'cust', '客户', '客戶', 'customers'],
  lead: ['lead', '线索', '線索', 'leads'],
  quote: ['quote', 'quotation', '报价', '報價', 'quotes', 'quotations'],
  order: ['order', '订单', '訂單', 'orders'],
  intel: ['intel', '情报', '情報', '市场信息'],
  approval: ['approval', '审批', '審批', 'approvals'],
  remind: ['remind', 'reminder', '提醒', 'reminders'],
  report: ['report', '报表', '報表', 'reports'],
  admin: ['admin', '管理'],
  audit: ['audit', '审计', '審計'],
  backup: ['backup', '备份', '備份', 'backups'],
  rectify: ['rectify', '整改', 'rectification', 'rectifications'],
  me: ['me', '我', 'settings', '设置'],
  web: ['web', '网页', '網頁', 'workspace', '工作台'],
  help: ['help', '帮助', '幫助', '?', '？'],
} as const;
export type Noun = keyof typeof NOUNS;

export const VERBS = {
  add: ['add', '新增', '添加', '增加'],
  new: ['new', '新建', 'create'],
  show: ['show', '查看', 'view', '详情'],
  history: ['history', '历史', '歷史', '记录', '記錄'],
  list: ['list', '列表', 'ls', '列出'],
  update: ['update', '修改', 'edit', '更新'],
  assign: ['assign', '分配'],
  accept: ['accept', '接受', '接收'],
  follow: ['follow', '跟进', '跟進'],
  convert: ['convert', '转化', '轉化'],
  need: ['need', '需求'],
  share: ['share', '共享'],
  submit: ['submit', '提交'],
  send: ['send', '发送', '發送'],
  feedback: ['feedback', '反馈', '反饋'],
  ack: ['ack', 'acknowledge', '确认', '確認', '确认收到'],
  correct: ['correct', '更正', '纠错'],
  escalate: ['escalate', '上报', '升级'],
  policy: ['policy', '规则', '审批规则'],
  done: ['done', '已完成', '已办', '办完'],
  snooze: ['snooze', '稍后', '推迟'],
  approve: ['approve', '同意', '批准'],
  reject: ['reject', '驳回', '駁回', '拒绝'],
  withdraw: ['withdraw', '撤回'],
  delegate: ['delegate', '转交', '轉交'],
  progress: ['progress', '进度', '進度'],
  delay: ['delay', '延期', '延误'],
  ship: ['ship', '发货', '發貨'],
  paid: ['paid', '收款', '到账'],
  contact: ['contact', 'contacts', '联系人', '聯繫人'],
  revise: ['revise', 'revision', '修订', '修訂'],
  find: ['find', 'search', '查找', '搜索', '查询', '查詢'],
  plan: ['plan', '收款计划', '收款計劃', '回款计划'],
  change: ['change', '变更', '變更'],
  merge: ['merge', '合并', '合併'],
  use: ['use', '使用', '用这个'],
  cancel: ['cancel', '取消'],
  complete: ['complete', '完成'],
  role: ['role', '角色'],
  bind: ['bind', '绑定', '綁定'],
  unbind: ['unbind', '解绑'],
  // One person across platforms (admin link, me link).
  link: ['link', '关联', '關聯', '关联账号'],
  unlink: ['unlink', '取消关联', '解除关联'],
  directory: ['directory', '通讯录', '通訊錄'],
  people: ['people', '人员', '成员'],
  person: ['person', '人员资料', '人員資料', '人员信息'],
  offboard: ['offboard', '离职', '離職'],
  verify: ['verify', '校验', '校驗', '验证', '核实', '核實'],
  reinstate: ['reinstate', '复职', '復職'],
  kpi: ['kpi', '考核', '绩效', '績效'],
  // Meeting summaries (report week / report month), sampling and rectification notices.
  week: ['week', 'weekly', '周', '週', '周报'],
  month: ['month', 'monthly', '月', '月报'],
  sample: ['sample', '抽查', '抽样', '抽樣'],
  close: ['close', '关闭', '關閉', '结案'],
  reopen: ['reopen', '退回', '重开'],
  unshare: ['unshare', '取消共享', '停止共享'],
  // Lead assignment rules; 规则 alone is the approval policy's.
  rule: ['rule', 'rules', '分配规则', '分配規則'],
  team: ['team', '团队', '團隊'],
} as const;
export type Verb = keyof typeof VERBS;

export const KEYS = {
  name: ['name', '名称', '名稱', '姓名', '公司'],
  contact: ['contact', '联系人', '聯繫人', '聯系人'],
  phone: ['phone', 'tel', 'mobile', '电话', '電話', '手机', '手機'],
  email: ['email', 'mail', '邮箱', '郵箱', '邮件'],
  fax: ['fax', '传真', '傳真'],
  address: ['address', '地址'],
  industry: ['industry', '行业', '行業'],
  scope: ['scope', '经营范围', '經營範圍', '业务范围'],
  size: ['size', '规模', '規模', '企业规模', '市场规模', '市場規模'],
  region: ['region', '地区', '地區', '区域'],
  key: ['key', 'keyaccount', '重点客户', '重點客戶'],
  customer: ['customer', '客户', '客戶'],
  source: ['source', '来源', '來源'],
  desc: ['desc', 'description', '描述', '说明'],
  next: ['next', '下一步'],
  due: ['due', '截止', '期限', '到期'],
  item: ['item', '明细', '明細', '产品'],
  valid: ['valid', '有效期'],
  tax: ['tax', '含税', '含稅', '税'],
  payment: ['payment', '付款', '付款方式'],
  payment_due: ['payment_due', '付款期限'],
  late: ['late', '逾期', '逾期规定'],
  delivery: ['delivery', '交期', '交货期', '交貨期'],
  place: ['place', '交货地点', '交貨地點', '地点'],
  adjustment: ['adjustment', '调价', '价格调整'],
  reason: ['reason', '原因', '理由'],
  note: ['note', '备注', '備註'],
  tracking: ['tracking', '运单号', '運單號', '单号'],
  carrier: ['carrier', '承运商', '快递', '物流公司'],
  from: ['from', '基于', '来自报价'],
  kind: ['kind', 'type', '类型', '類型', '类别'],
  title: ['title', '标题', '標題', '职位', '職位', '职务', '職務'],
  primary: ['primary', '主要', '主要联系人'],
  body: ['body', '内容', '內容', '正文'],
  level: ['level', '密级', '密級', '保密级别'],
  share: ['share', '共享给', '共享', '分享'],
  // Market information's structure (policy 2.5), by kind; `size` above is also the market size.
  trend: ['trend', '趋势', '趨勢', '发展趋势', '發展趨勢'],
  policy: ['policy', '政策', '政策法规', '政策法規'],
  growth: ['growth', '增长率', '增長率', '增长', '增長'],
  competitor: ['competitor', 'rival', '竞争对手', '競爭對手', '对手', '對手'],
  product: ['product', '产品特点', '產品特點', '竞品'],
  pricing: ['pricing', '价格策略', '價格策略', '定价', '定價'],
  mshare: ['mshare', 'market_share', '市场份额', '市場份額', '份额', '份額'],
  channels: ['channels', 'channel', '销售渠道', '銷售渠道', '渠道'],
  promotions: ['promotions', 'promotion', '促销活动', '促銷活動', '促销', '促銷'],
  campaign: ['campaign', '活动', '活動', '活动名称', '活動名稱'],
  participants: ['participants', '参与人数', '參與人數', '人数', '人數'],
  feedback: ['feedback', '客户反馈', '客戶反饋', '反馈', '反饋'],
  conversions: ['conversions', '转化情况', '轉化情況', '潜在客户转化', '潛在客戶轉化'],
  important: ['important', '重要'],
  likelihood: ['likelihood', '可能性', '意向'],
  budget: ['budget', '预算', '預算'],
  process: ['process', '采购流程', '採購流程'],
  decision: ['decision', '决策人', '決策人'],
  spec: ['spec', '规格', '規格'],
  model: ['model', '型号', '型號'],
  quantity: ['quantity', 'qty', '数量', '數量'],
  quality: ['quality', '质量', '質量', '质量要求'],
  sensitivity: ['sensitivity', '价格敏感度', '敏感度'],
  fields: ['fields', '字段', '范围'],
  dept: ['dept', 'department', '部门', '部門'],
  lang: ['lang', 'language', '语言', '語言'],
  tz: ['tz', 'timezone', '时区', '時區'],
  status: ['status', '状态', '狀態'],
  owner: ['owner', '负责人', '負責人'],
  result: ['result', '结果', '結果'],
  month: ['month', '月份'],
  until: ['until', '延至', '新交期', '截至'],
  amount: ['amount', '金额', '金額'],
  terms: ['terms', '条款', '條款', '付款条款'],
  instalment: ['instalment', 'installment', '期', '期数', '期數'],
  method: ['method', '方式', '收款方式'],
  reference: ['reference', 'ref', '凭证', '憑證', '流水号', '流水號'],
  on: ['on', '到账日', '到賬日', '收款日'],
  to: ['to', '交给', '给', '交接'],
  role: ['role', '角色'],
  all: ['all', '全部'],
  threshold: ['threshold', '阈值', '金额门槛'],
  joint: ['joint', '会签', '會簽'],
  for: ['for', '推迟', '时长'],
  text: ['text', '内容文字', '提醒内容'],
  webhook: ['webhook', '群机器人'],
  record: ['record', '记录', '記錄'],
  who: ['who', '操作人', '谁'],
  since: ['since', '起始', '自'],
  page: ['page', '页', '頁', '页码'],
  into: ['into', '并入', '合并至', '合併至'],
  person: ['person', '人员', '個人', '个人'],
  ...TARGET_KEYS,
  ...REQUIRED_KEYS,
  issue: ['issue', 'problem', '问题', '問題'],
  n: ['n', 'count', '件数', '抽查数'],
  seed: ['seed', '种子', '種子'],
  week: ['week', '所在周', '周次'],
  team: ['team', '团队', '團隊', '小组'],
  manager: ['manager', '上级', '上級', '汇报给'],
  auto: ['auto', '自动', '自動', '自动分配'],
  lead: ['lead', '线索', '線索'],
} as const;
export type Key = keyof typeof KEYS;

function indexOf<T extends string>(table: Record<T, readonly string[]>): Map<string, T> {
  const map = new Map<string, T>();
  for (const [canonical, words] of Object.entries(table) as [T, readonly string[]][]) {
    for (const w of words) if (!map.has(w.toLowerCase())) map.set(w.toLowerCase(), canonical);
  }
  return map;
}

const nounIndex = indexOf(NOUNS);
const verbIndex = indexOf(VERBS);
const keyIndex = indexOf(KEYS);

export const lookupNoun = (word: string): Noun | undefined => nounIndex.get(word.toLowerCase());
export const lookupVerb = (word: string): Verb | undefined => verbIndex.get(word.toLowerCase());
export const lookupKey = (word: string): Key | undefined => keyIndex.get(word.toLowerCase());

/** The English and Chinese spelling of a word, for usage lines and help. */
export function spell(table: 'noun' | 'verb' | 'key', canonical: string, locale: 'en' | 'zh'): string {
  const words: readonly string[] | undefined =
    table === 'noun'
      ? NOUNS[canonical as Noun]
      : table === 'verb'
        ? VERBS[canonical as Verb]
        : KEYS[canonical as Key];
  if (!words) return canonical;
  if (locale === 'en') return words[0]!;
  return words.find((w) => /[\u4e00-\u9fff]/.test(w)) ?? words[0]!;
}
