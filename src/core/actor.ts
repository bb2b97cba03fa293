// Who is acting: a person as the core sees them, whatever platform they came from.
import type { DepartmentCode } from '../commands/keys.ts';
import type { Locale } from '../i18n/locale.ts';

export const ROLES = {
  sales_rep: ['rep', '销售', '销售代表', '业务员'],
  sales_manager: ['manager', '销售经理', '經理', '经理'],
  member: ['staff', '部门成员', '成员', '员工'],
  head: ['department_head', '部门负责人', '负责人', '主管'],
  supervisor: ['supervision', '监督', '监督组'],
  admin: ['administrator', '管理员', '管理員'],
} as const;
export type Role = keyof typeof ROLES;

export const ROLE_NAMES: Record<Role, { en: string; zh: string }> = {
  sales_rep: { en: 'sales rep', zh: '销售代表' },
  sales_manager: { en: 'sales manager', zh: '销售经理' },
  member: { en: 'department member', zh: '部门成员' },
  head: { en: 'department head', zh: '部门负责人' },
  supervisor: { en: 'supervisor', zh: '监督组' },
  admin: { en: 'admin', zh: '管理员' },
};

export type Actor = {
  personId: number;
  name: string;
  handle: string | null;
  /** null: known to the bot but not yet given a role by an admin. */
  role: Role | null;
  department: DepartmentCode | null;
  locale: Locale;
  timezone: string;
};
