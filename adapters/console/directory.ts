// The console's directory: a sample company directory, so admin directory import can be tried (and tested)
// without a platform. The demo's people, newcomers (one in a department the bot does not have), and a
// second account of a known person.
import type { DirectoryEntry } from '../../src/port/index.ts';

export const CONSOLE_DIRECTORY: readonly DirectoryEntry[] = [
  { externalId: 'li', name: 'Li Lei 李雷', email: 'li@example.com', department: '销售部' },
  { externalId: 'chen', name: 'Chen Jing 陈静', email: 'chen@example.com', department: '销售部' },
  { externalId: 'wang', name: 'Wang Qiang 王强', email: 'wang@example.com', department: '销售部' },
  { externalId: 'qian', name: 'Qian Hui 钱慧', email: 'qian@example.com', department: '市场部' },
  { externalId: 'wu', name: 'Wu Min 吴敏', email: 'wu@example.com', department: '客服部' },
  { externalId: 'zhao', name: 'Zhao Yun 赵云', email: 'zhao@example.com', department: '财务部' },
  { externalId: 'sun', name: 'Sun Li 孙立', email: 'sun@example.com', department: '生产部' },
  { externalId: 'zhou', name: 'Zhou Tao 周涛', email: 'zhou@example.com', department: '物流部' },
  { externalId: 'admin', name: 'Admin 管理员', email: 'admin@example.com', department: '管理层' },
  { externalId: 'liuyang', name: 'Liu Yang 刘洋', email: 'liuyang@example.com', department: '生产部' },
  { externalId: 'heming', name: 'He Ming 何明', department: 'Logistics' },
  { externalId: 'xu', name: 'Xu Fang 徐芳', email: 'xu@example.com', department: '研发部' },
  // A second account of someone known (same email): pointed at admin link, not created twice.
  { externalId: 'lilei', name: 'Li Lei (new phone)', email: 'LI@example.com', department: '销售部' },
];
