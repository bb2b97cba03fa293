// The data model as code. drizzle-kit generates migrations/ from this file (npm run db:generate).
// Money is integer minor units (fen/cents) in bigint; quantities are exact numerics; instants are UTC
// timestamptz; calendar dates (delivery, validity) are plain dates because they have no time zone.
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgSequence,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { emailFolded, nameCore, phoneDigits } from './matching-forms.ts';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
const money = (name: string) => bigint(name, { mode: 'bigint' });
/** A 64-bit transaction id (PostgreSQL's xid8), read as text: compared only in SQL, against snapshots. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

/** One row: the organisation this deployment serves (time zone, language, currency, policy knobs). */
export const orgSettings = pgTable('org_settings', {
  id: integer('id').primaryKey().default(1),
  name: text('name').notNull().default('My Company'),
  locale: text('locale').notNull().default('zh'),
  timezone: text('timezone').notNull().default('Asia/Shanghai'),
  currency: text('currency').notNull().default('CNY'),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  updatedAt: updatedAt(),
});

export const departments = pgTable('departments', {
  id: serial('id').primaryKey(),
  code: text('code').notNull().unique(),
  nameEn: text('name_en').notNull(),
  nameZh: text('name_zh').notNull(),
});

export const people = pgTable(
  'people',
  {
    id: serial('id').primaryKey(),
    handle: text('handle').unique(),
    name: text('name').notNull(),
    role: text('role'),
    departmentId: integer('department_id').references(() => departments.id),
    managerId: integer('manager_id'),
    email: text('email'),
    locale: text('locale'),
    timezone: text('timezone'),
    active: boolean('active').notNull().default(true),
    /** Set when this person's identities were joined into another person (admin link, me link): kept, inactive, for the history. */
    mergedInto: integer('merged_into').references((): AnyPgColumn => people.id),
    createdAt: createdAt(),
  },
  (t) => [index('people_department_idx').on(t.departmentId)],
);

/** A person as one chat platform knows them. One person may have several. */
export const identities = pgTable(
  'identities',
  {
    id: serial('id').primaryKey(),
    personId: integer('person_id')
      .notNull()
      .references(() => people.id),
    platform: text('platform').notNull(),
    tenant: text('tenant').notNull().default(''),
    externalId: text('external_id').notNull(),
    displayName: text('display_name'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('identities_platform_user_uq').on(t.platform, t.tenant, t.externalId),
    index('identities_person_idx').on(t.personId),
  ],
);

/** A platform chat bound to a department: "send to finance" posts to these. */
export const chatBindings = pgTable(
  'chat_bindings',
  {
    id: serial('id').primaryKey(),
    platform: text('platform').notNull(),
    tenant: text('tenant').notNull().default(''),
    chatId: text('chat_id').notNull(),
    title: text('title'),
    departmentId: integer('department_id')
      .notNull()
      .references(() => departments.id),
    settings: jsonb('settings').$type<Record<string, string>>().notNull().default({}),
    boundBy: integer('bound_by').references(() => people.id),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('chat_bindings_chat_uq').on(t.platform, t.tenant, t.chatId),
    index('chat_bindings_department_idx').on(t.departmentId),
  ],
);

/**
 * The departments a chat is bound to (R-CHAN-4): a project group may serve sales, production and logistics
 * at once. chat_bindings.department_id is the first department bound; a trigger (migration 0021) mirrors it
 * here, so a binding written the old way still routes.
 */
export const chatBindingDepartments = pgTable(
  'chat_binding_departments',
  {
    bindingId: integer('binding_id')
      .notNull()
      .references(() => chatBindings.id, { onDelete: 'cascade' }),
    departmentId: integer('department_id')
      .notNull()
      .references(() => departments.id),
    boundBy: integer('bound_by').references(() => people.id),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.bindingId, t.departmentId] }),
    index('chat_binding_departments_department_idx').on(t.departmentId),
  ],
);

/** One-time codes of `me link` (R-ORG-2): only a hash is kept; a code expires and is used once. */
export const linkCodes = pgTable(
  'link_codes',
  {
    id: serial('id').primaryKey(),
    personId: integer('person_id')
      .notNull()
      .references(() => people.id),
    /** The identity that asked: the code must be typed by another one. */
    identityId: integer('identity_id')
      .notNull()
      .references(() => identities.id),
    codeHash: text('code_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('link_codes_hash_uq').on(t.codeHash), index('link_codes_person_idx').on(t.personId)],
);

/** Record-number counters: one row per prefix, bumped inside the creating transaction. */
export const counters = pgTable('counters', {
  prefix: text('prefix').primaryKey(),
  value: bigint('value', { mode: 'number' }).notNull(),
});

export const customers = pgTable(
  'customers',
  {
    id: serial('id').primaryKey(),
    number: text('number').notNull().unique(),
    name: text('name').notNull(),
    /**
     * The name as people mean it: NFKC (full-width letters and spaces folded), trimmed, inner spaces
     * collapsed, lower case. Unique, so two people registering "Acme Ltd" and "ＡＣＭＥ  ltd" at once make
     * one customer: the rule is the database's, not a select-then-insert.
     */
    nameKey: text('name_key')
      .notNull()
      .generatedAlwaysAs(sql`lower(btrim(regexp_replace(normalize(name, NFKC), '[[:space:]]+', ' ', 'g')))`),
    industry: text('industry'),
    address: text('address'),
    scope: text('scope'),
    size: text('size'),
    region: text('region'),
    keyAccount: boolean('key_account').notNull().default(false),
    status: text('status').notNull().default('active'),
    intentLikelihood: text('intent_likelihood'),
    intentBudgetMinor: money('intent_budget_minor'),
    intentProcess: text('intent_process'),
    intentDecisionMakers: text('intent_decision_makers'),
    ownerId: integer('owner_id').references(() => people.id),
    createdBy: integer('created_by')
      .notNull()
      .references(() => people.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /**
     * The customer this one was merged into (customer merge): its records moved there; this row stays, read
     * as "merged into C-0007", so old numbers in chats and history still lead somewhere.
     */
    mergedIntoId: integer('merged_into_id').references((): AnyPgColumn => customers.id),
    mergedAt: timestamp('merged_at', { withTimezone: true }),
    /** The name in pinyin, whole and by initials ("huaxingkeji hxkj"), written with the name, for search. */
    namePinyin: text('name_pinyin'),
  },
  (t) => [
    index('customers_owner_idx').on(t.ownerId),
    index('customers_name_idx').on(t.name),
    uniqueIndex('customers_name_key_uq').on(t.nameKey),
    // The duplicate check's "same name but for the legal form" (src/db/matching-forms.ts).
    index('customers_name_core_idx').using('btree', nameCore(sql`name`)),
  ],
);

export const contacts = pgTable(
  'contacts',
  {
    id: serial('id').primaryKey(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    name: text('name').notNull(),
    title: text('title'),
    phone: text('phone'),
    email: text('email'),
    fax: text('fax'),
    primary: boolean('is_primary').notNull().default(false),
    createdAt: createdAt(),
    /** The contact's name in pinyin, whole and by initials, written with the name, for customer find. */
    namePinyin: text('name_pinyin'),
  },
  (t) => [
    index('contacts_customer_idx').on(t.customerId),
    // The duplicate check's "a contact with the same phone or email" (src/db/matching-forms.ts).
    index('contacts_phone_digits_idx').using('btree', phoneDigits(sql`phone`)),
    index('contacts_email_folded_idx').using('btree', emailFolded(sql`email`)),
  ],
);

/** What the customer needs (R-CUST-1): one row per need. */
export const customerNeeds = pgTable(
  'customer_needs',
  {
    id: serial('id').primaryKey(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    spec: text('spec').notNull(),
    model: text('model'),
    quantity: numeric('quantity', { precision: 18, scale: 3 }),
    quality: text('quality'),
    deliveryDate: date('delivery_date', { mode: 'string' }),
    priceSensitivity: text('price_sensitivity'),
    createdBy: integer('created_by')
      .notNull()
      .references(() => people.id),
    createdAt: createdAt(),
  },
  (t) => [index('customer_needs_customer_idx').on(t.customerId)],
);

/** A customer shared with a department, and which fields (R-CUST-4). */
export const customerShares = pgTable(
  'customer_shares',
  {
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    departmentId: integer('department_id')
      .notNull()
      .references(() => departments.id),
    fields: text('fields').array().notNull(),
    sharedBy: integer('shared_by')
      .notNull()
      .references(() => people.id),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.departmentId] })],
);

export const leads = pgTable(
  'leads',
  {
    id: serial('id').primaryKey(),
    number: text('number').notNull().unique(),
    customerId: integer('customer_id').references(() => customers.id),
    prospectName: text('prospect_name'),
    contactName: text('contact_name'),
    phone: text('phone'),
    source: text('source').notNull(),
    description: text('description'),
    industry: text('industry'),
    region: text('region'),
    status: text('status').notNull().default('new'),
    important: boolean('important').notNull().default(false),
    ownerId: integer('owner_id').references(() => people.id),
    assignedBy: integer('assigned_by').references(() => people.id),
    assignedAt: timestamp('assigned_at', { withTimezone: true }),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    followDueAt: timestamp('follow_due_at', { withTimezone: true }),
    nextStep: text('next_step'),
    nextDueAt: timestamp('next_due_at', { withTimezone: true }),
    convertedCustomerId: integer('converted_customer_id').references(() => customers.id),
    convertedAt: timestamp('converted_at', { withTimezone: true }),
    createdBy: integer('created_by')
      .notNull()
      .references(() => people.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('leads_owner_idx').on(t.ownerId, t.status), index('leads_customer_idx').on(t.customerId)],
);

export const leadFollowups = pgTable(
  'lead_followups',
  {
    id: serial('id').primaryKey(),
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id),
    personId: integer('person_id')
      .notNull()
      .references(() => people.id),
    note: text('note').notNull(),
    nextStep: text('next_step'),
    nextDueAt: timestamp('next_due_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index('lead_followups_lead_idx').on(t.leadId),
    // The weekly digest counts each rep's follow-ups of the week.
    index('lead_followups_person_idx').on(t.personId, t.createdAt),
  ],
);

/**
 * Lead assignment rules (R-LEAD-3): a lead matching every criterion given (region, industry, source; none
 * is a catch-all) goes to one rep, or round robin over the reps who report to a manager. Removed rules stay
 * (removed_at) so the numbers in history keep meaning. The round-robin pointer is advanced under this row's
 * lock, in the assigning transaction, so concurrent assignments take turns.
 */
export const assignmentRules = pgTable(
  'assignment_rules',
  {
    id: serial('id').primaryKey(),
    region: text('region'),
    industry: text('industry'),
    source: text('source'),
    assigneeId: integer('assignee_id').references(() => people.id),
    teamManagerId: integer('team_manager_id').references(() => people.id),
    /** Round robin: who got the last lead by this rule; the next goes to the member after them. */
    lastAssigneeId: integer('last_assignee_id').references(() => people.id),
    assignedCount: integer('assigned_count').notNull().default(0),
    createdBy: integer('created_by')
      .notNull()
      .references(() => people.id),
    createdAt: createdAt(),
    removedAt: timestamp('removed_at', { withTimezone: true }),
  },
  (t) => [
    check('assignment_rules_target_ck', sql`(${t.assigneeId} is null) <> (${t.teamManagerId} is null)`),
  ],
);

const lineItemColumns = () => ({
  id: serial('id').primaryKey(),
  lineNo: integer('line_no').notNull(),
  name: text('name').notNull(),
  model: text('model'),
  quantity: numeric('quantity', { precision: 18, scale: 3 }).notNull(),
  unitPriceMinor: money('unit_price_minor').notNull(),
  amountMinor: money('amount_minor').notNull(),
});

export const quotes = pgTable(
  'quotes',
  {
    id: serial('id').primaryKey(),
    number: text('number').notNull().unique(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    leadId: integer('lead_id').references(() => leads.id),
    status: text('status').notNull().default('draft'),
    currency: text('currency').notNull(),
    totalMinor: money('total_minor').notNull(),
    validUntil: date('valid_until', { mode: 'string' }),
    taxIncluded: boolean('tax_included'),
    payment: text('payment'),
    deliveryDate: date('delivery_date', { mode: 'string' }),
    adjustment: text('adjustment'),
    note: text('note'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    feedbackNote: text('feedback_note'),
    ownerId: integer('owner_id')
      .notNull()
      .references(() => people.id),
    /** R-QUO-1: the quote this one revises (its earlier version stays as it was, marked superseded). */
    revisionOf: integer('revision_of').references((): AnyPgColumn => quotes.id),
    /** 1 for the first revision of the original, 2 for the next … (0: an original). */
    revision: integer('revision').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('quotes_customer_idx').on(t.customerId), index('quotes_owner_idx').on(t.ownerId, t.status)],
);

export const quoteItems = pgTable(
  'quote_items',
  {
    ...lineItemColumns(),
    quoteId: integer('quote_id')
      .notNull()
      .references(() => quotes.id),
  },
  (t) => [uniqueIndex('quote_items_line_uq').on(t.quoteId, t.lineNo)],
);

export const orders = pgTable(
  'orders',
  {
    id: serial('id').primaryKey(),
    number: text('number').notNull().unique(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    quoteId: integer('quote_id').references(() => quotes.id),
    status: text('status').notNull().default('draft'),
    orderDate: date('order_date', { mode: 'string' }).notNull(),
    currency: text('currency').notNull(),
    totalMinor: money('total_minor').notNull(),
    deliveryDate: date('delivery_date', { mode: 'string' }),
    deliveryPlace: text('delivery_place'),
    paymentTerms: text('payment_terms'),
    paymentDueDate: date('payment_due_date', { mode: 'string' }),
    latePaymentRule: text('late_payment_rule'),
    paidMinor: money('paid_minor').notNull().default(sql`0`),
    /** A delay reported by production: the date it is now expected, if it differs from delivery_date. */
    expectedDate: date('expected_date', { mode: 'string' }),
    carrier: text('carrier'),
    tracking: text('tracking'),
    shippedAt: timestamp('shipped_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    note: text('note'),
    ownerId: integer('owner_id')
      .notNull()
      .references(() => people.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('orders_customer_idx').on(t.customerId),
    index('orders_owner_idx').on(t.ownerId, t.status),
    // The web workspace's order list, newest first, and its month figures (issue 17).
    index('orders_date_idx').on(t.orderDate, t.id),
    // The web dashboard's deliveries due and overdue: undelivered orders by the date now expected.
    index('orders_undelivered_due_idx')
      .on(sql`coalesce(${t.expectedDate}, ${t.deliveryDate})`, t.id)
      .where(sql`status in ('confirmed', 'in_production')`),
  ],
);

export const orderItems = pgTable(
  'order_items',
  {
    ...lineItemColumns(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
  },
  (t) => [uniqueIndex('order_items_line_uq').on(t.orderId, t.lineNo)],
);

/**
 * An order's collection plan (R-ORD-3): the instalments finance expects, each with its amount and the day
 * it is due (null: due on delivery while the order has no delivery date yet). `paid_minor` is what the
 * ledger has put against it; the order's own paid_minor stays the sum of every payment.
 */
export const orderInstalments = pgTable(
  'order_instalments',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    seq: integer('seq').notNull(),
    /** What the terms called it: "advance", "on delivery", "30 days after delivery" (as typed). */
    label: text('label').notNull(),
    dueDate: date('due_date', { mode: 'string' }),
    amountMinor: money('amount_minor').notNull(),
    paidMinor: money('paid_minor').notNull().default(sql`0`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('order_instalments_seq_uq').on(t.orderId, t.seq)],
);

/** The payment ledger (R-ORD-3): every payment received, with its day, method and reference. */
export const orderPayments = pgTable(
  'order_payments',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    amountMinor: money('amount_minor').notNull(),
    paidOn: date('paid_on', { mode: 'string' }).notNull(),
    method: text('method'),
    reference: text('reference'),
    note: text('note'),
    personId: integer('person_id').references(() => people.id),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('order_payments_order_idx').on(t.orderId)],
);

/** Market information (R-MKT-1/2): news, competitor facts, campaign feedback, tips to verify. */
export const intel = pgTable(
  'intel',
  {
    id: serial('id').primaryKey(),
    number: text('number').notNull().unique(),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    body: text('body'),
    level: text('level').notNull(),
    sharedWith: text('shared_with').array().notNull().default(sql`'{}'::text[]`),
    verified: boolean('verified').notNull().default(false),
    /** Structure by kind (policy 2.5), e.g. { competitor, pricing, mshare } or { trend, size, growth }. */
    details: jsonb('details').$type<Record<string, string>>().notNull().default({}),
    /** A tip marketing turned down (intel reject); `verified` stays false. */
    rejected: boolean('rejected').notNull().default(false),
    /** Who verified or rejected it (marketing), when, and their note or reason. */
    decidedBy: integer('decided_by').references(() => people.id),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decisionNote: text('decision_note'),
    createdBy: integer('created_by')
      .notNull()
      .references(() => people.id),
    createdAt: createdAt(),
  },
  (t) => [
    index('intel_created_idx').on(t.createdAt),
    check('intel_decided_ck', sql`not (${t.verified} and ${t.rejected})`),
  ],
);

/** R-REC-1: every field change of every record, who and when. */
export const recordHistory = pgTable(
  'record_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    entity: text('entity').notNull(),
    entityId: integer('entity_id').notNull(),
    field: text('field').notNull(),
    oldValue: text('old_value'),
    newValue: text('new_value'),
    personId: integer('person_id').references(() => people.id),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('record_history_entity_idx').on(t.entity, t.entityId)],
);

/** R-SEC-2: every change, every read of confidential data, every refusal. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    personId: integer('person_id').references(() => people.id),
    action: text('action').notNull(),
    entity: text('entity'),
    entityRef: text('entity_ref'),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    // Set by the database's audit_log_seal() (the audit_chain migration) seconds after the commit, never by a
    // writer: the row's place in the chain, the previous row's hash and its own (sha256 over both).
    seq: bigint('seq', { mode: 'number' }),
    prevHash: text('prev_hash'),
    hash: text('hash'),
  },
  (t) => [
    index('audit_log_at_idx').on(t.at),
    index('audit_log_entity_idx').on(t.entity, t.entityRef),
    uniqueIndex('audit_log_seq_uq').on(t.seq),
  ],
);

/** The head of the audit chain (one row): its lock orders the sealers (audit_log_seal). */
export const auditChain = pgTable('audit_chain', {
  id: integer('id').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
});

/** Messages to deliver, written in the same transaction as the change that caused them. */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    platform: text('platform').notNull(),
    tenant: text('tenant').notNull().default(''),
    /** 'chat' (a group or channel id) or 'user' (the platform user id; the adapter opens the DM). */
    targetKind: text('target_kind').notNull(),
    targetId: text('target_id').notNull(),
    /** 'post' a new message, or 'update' every message already posted under card_key. */
    op: text('op').notNull().default('post'),
    cardKey: text('card_key'),
    /** post: one Message; update: a Message per `locale/audience`, so each posted copy keeps its language and masking. */
    payload: jsonb('payload').notNull(),
    locale: text('locale').notNull().default('zh'),
    audience: text('audience').notNull().default('group'),
    state: text('state').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    /** The request (the inbound event) whose command wrote it: logs follow a command to its messages. */
    requestId: text('request_id'),
  },
  (t) => [
    index('outbox_pending_idx').on(t.state, t.nextAttemptAt),
    // Per-chat order: the earliest waiting message of a chat goes first.
    index('outbox_chat_waiting_idx')
      .on(t.platform, t.tenant, t.targetId, t.id)
      .where(sql`state in ('pending', 'sending')`),
    // The KPIs (src/kpi) read when a distribution's cards and a transfer's messages were delivered.
    index('outbox_card_post_idx').on(t.cardKey).where(sql`op = 'post' and card_key is not null`),
    index('outbox_created_idx').on(t.createdAt),
  ],
);

/**
 * When the recipient first opened a sent message, where its channel can tell (a link in it followed, an
 * image loaded). Kept beside the outbox, not in it, so the hot outbox rows stay as they are.
 */
export const messageOpens = pgTable('message_opens', {
  /** The outbox row (no foreign key: a restore may load the tables in any order). */
  outboxId: bigint('outbox_id', { mode: 'number' }).primaryKey(),
  openedAt: timestamp('opened_at', { withTimezone: true }).notNull().defaultNow(),
  /** When a single-use link in it was used to act (press its button): a second use is refused. */
  actedAt: timestamp('acted_at', { withTimezone: true }),
});

/**
 * A value a channel keeps for itself across restarts and replicas, one per platform and name: a key it
 * generated once (the email links' signing key when EMAIL_LINK_SECRET is not set), so every process signs
 * and checks with the same one (services.kept, src/port/services.ts).
 */
export const channelValues = pgTable(
  'channel_values',
  {
    platform: text('platform').notNull(),
    name: text('name').notNull(),
    value: text('value').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.name] })],
);

/** Where each card was posted, so it can be re-rendered in place when its subject changes. */
export const postedCards = pgTable(
  'posted_cards',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    cardKey: text('card_key').notNull(),
    platform: text('platform').notNull(),
    tenant: text('tenant').notNull().default(''),
    chatId: text('chat_id').notNull(),
    messageId: text('message_id').notNull(),
    locale: text('locale').notNull().default('zh'),
    /** 'private' (a direct chat: full details) or 'group' (confidential fields masked). */
    audience: text('audience').notNull().default('group'),
    createdAt: createdAt(),
  },
  (t) => [
    index('posted_cards_key_idx').on(t.cardKey),
    uniqueIndex('posted_cards_message_uq').on(t.platform, t.tenant, t.chatId, t.messageId),
  ],
);

/** Commands that wait for the same person to press Confirm (e.g. lead convert). */
export const confirmations = pgTable('confirmations', {
  id: uuid('id').primaryKey().defaultRandom(),
  personId: integer('person_id')
    .notNull()
    .references(() => people.id),
  command: jsonb('command').$type<{ text: string; chatKind: string }>().notNull(),
  summary: text('summary').notNull(),
  state: text('state').notNull().default('pending'),
  createdAt: createdAt(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  decidedAt: timestamp('decided_at', { withTimezone: true }),
});

/**
 * The inbound journal: what a platform delivered, keyed by its event id. A row with a payload was recorded
 * before the platform was acknowledged and is run once (done_at set in the flow's own transaction), after a
 * restart too; a row without one only marks an id handled, so a retried delivery or a double click does
 * nothing twice. Done rows are pruned once the platforms' retry and replay windows are past.
 */
export const inboundEvents = pgTable(
  'inbound_events',
  {
    platform: text('platform').notNull(),
    eventId: text('event_id').notNull(),
    /** When it was received. */
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    /** The normalised event (who, chat, text or action, values, reply path); null when only deduplicated. */
    payload: jsonb('payload').$type<Record<string, unknown>>(),
    doneAt: timestamp('done_at', { withTimezone: true }),
    /** 'done', or 'failed' when it was given up (the person was told nothing changed). */
    outcome: text('outcome'),
    /** A process working on it holds it until then; a recovery sweep takes it after. */
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.platform, t.eventId] }),
    index('inbound_events_open_idx').on(t.platform, t.at).where(sql`${t.doneAt} is null`),
    index('inbound_events_done_idx').on(t.doneAt),
  ],
);

/** An approval of a subject (a quote, an order, an order change or cancellation, a customer correction). */
export const approvals = pgTable(
  'approvals',
  {
    id: serial('id').primaryKey(),
    number: text('number').notNull().unique(),
    subjectType: text('subject_type').notNull(),
    subjectId: integer('subject_id').notNull(),
    subjectRef: text('subject_ref').notNull(),
    requesterId: integer('requester_id')
      .notNull()
      .references(() => people.id),
    reason: text('reason'),
    /** What the approval would change (order change fields, a correction), applied on approval. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    state: text('state').notNull().default('pending'),
    currentStep: integer('current_step').notNull().default(1),
    stepCount: integer('step_count').notNull(),
    decidedBy: integer('decided_by').references(() => people.id),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decisionNote: text('decision_note'),
    /** Set when a step waited past the escalation time; the card says so while it is pending. */
    overdueAt: timestamp('overdue_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('approvals_subject_idx').on(t.subjectType, t.subjectId),
    index('approvals_state_idx').on(t.state),
  ],
);

/**
 * A seat in a step: one required sign-off, which any one of `eligible` may give. A step in 'any' mode
 * (或签) is done when one seat is approved; in 'all' mode (会签) when every seat is.
 */
export const approvalSeats = pgTable(
  'approval_seats',
  {
    id: serial('id').primaryKey(),
    approvalId: integer('approval_id')
      .notNull()
      .references(() => approvals.id),
    stepNo: integer('step_no').notNull(),
    seatNo: integer('seat_no').notNull(),
    mode: text('mode').notNull(),
    label: text('label').notNull(),
    eligible: integer('eligible').array().notNull(),
    state: text('state').notNull().default('waiting'),
    decidedBy: integer('decided_by').references(() => people.id),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    note: text('note'),
  },
  (t) => [uniqueIndex('approval_seats_uq').on(t.approvalId, t.stepNo, t.seatNo)],
);

/** Everything that happened to an approval: submit, approve, reject, delegate, withdraw, comment. */
export const approvalEvents = pgTable(
  'approval_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    approvalId: integer('approval_id')
      .notNull()
      .references(() => approvals.id),
    stepNo: integer('step_no'),
    personId: integer('person_id')
      .notNull()
      .references(() => people.id),
    kind: text('kind').notNull(),
    note: text('note'),
    targetPersonId: integer('target_person_id').references(() => people.id),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('approval_events_approval_idx').on(t.approvalId)],
);

/** A record sent to a department for acknowledgement (R-ORD-3, R-KPI-1/4): who acknowledged, when, how. */
export const distributions = pgTable(
  'distributions',
  {
    id: serial('id').primaryKey(),
    subjectType: text('subject_type').notNull(),
    subjectId: integer('subject_id').notNull(),
    subjectRef: text('subject_ref').notNull(),
    /** order (approved order), change, cancel. */
    kind: text('kind').notNull(),
    departmentId: integer('department_id')
      .notNull()
      .references(() => departments.id),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull().defaultNow(),
    ackedBy: integer('acked_by').references(() => people.id),
    ackedAt: timestamp('acked_at', { withTimezone: true }),
    note: text('note'),
  },
  (t) => [
    index('distributions_subject_idx').on(t.subjectType, t.subjectId, t.departmentId),
    index('distributions_sent_idx').on(t.sentAt),
  ],
);

/**
 * A piece of information the policy says must reach someone (R-KPI-1), for flows that are not a
 * distribution or a lead's own dates: a shipment to sales and service, a quote's decision to its requester,
 * an upheld customer correction to everyone who had the customer. Written in the event's transaction;
 * `written_at` is that transaction's time, which the outbox rows it wrote carry as created_at, so their
 * delivery (outbox.sent_at) is found without a key on every message.
 */
export const transfers = pgTable(
  'transfers',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** shipment, quote, correction. */
    flow: text('flow').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: integer('subject_id').notNull(),
    subjectRef: text('subject_ref').notNull(),
    eventAt: timestamp('event_at', { withTimezone: true }).notNull(),
    /** The receiving department (its bound chats), or null when a person receives it. */
    departmentId: integer('department_id').references(() => departments.id),
    personId: integer('person_id').references(() => people.id),
    writtenAt: timestamp('written_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('transfers_event_idx').on(t.eventAt)],
);

/** Something to remind someone of: once, or repeating (R-CHAN-2). Occurrences are its due times. */
export const reminders = pgTable(
  'reminders',
  {
    id: serial('id').primaryKey(),
    number: text('number').notNull().unique(),
    /** personal, delivery, overdue, followup, followup_escalation, approval, approval_escalation, quote_expiry, digest */
    kind: text('kind').notNull(),
    subjectType: text('subject_type'),
    subjectRef: text('subject_ref'),
    /** person (a direct message), department (its bound chats) or chat (one platform chat). */
    targetKind: text('target_kind').notNull(),
    targetPersonId: integer('target_person_id').references(() => people.id),
    targetDepartment: text('target_department'),
    targetPlatform: text('target_platform'),
    targetTenant: text('target_tenant'),
    targetChatId: text('target_chat_id'),
    text: text('text').notNull(),
    /** null (once), or a repeat rule such as `weekly:1@09:00`, `workdays@18:00`, `daily@09:00`. */
    repeat: text('repeat'),
    timezone: text('timezone').notNull(),
    /** Urgent reminders fire at their time; others move to the next working time. */
    urgent: boolean('urgent').notNull().default(false),
    state: text('state').notNull().default('active'),
    createdBy: integer('created_by').references(() => people.id),
    createdAt: createdAt(),
  },
  (t) => [
    index('reminders_subject_idx').on(t.subjectType, t.subjectRef),
    index('reminders_state_idx').on(t.state),
  ],
);

/** One due time of a reminder. Its id is the queue's job id, so enqueueing twice does nothing. */
export const reminderOccurrences = pgTable(
  'reminder_occurrences',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    reminderId: integer('reminder_id')
      .notNull()
      .references(() => reminders.id),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    /** scheduled → fired (its messages are in the outbox) → done; or snoozed / cancelled. */
    state: text('state').notNull().default('scheduled'),
    /**
     * The transaction that wrote it. The reconciler hands the queue what became visible since its last
     * look (compared with that look's snapshot), so nothing is written back per occurrence.
     */
    writtenBy: xid8('written_by').notNull().default(sql`pg_current_xact_id()`),
    firedAt: timestamp('fired_at', { withTimezone: true }),
    doneBy: integer('done_by').references(() => people.id),
    doneAt: timestamp('done_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    // A reminder's occurrences (list, cancel, snooze). Every read by state asks for 'scheduled' ones, which
    // the partial indexes below answer; an index on state itself would only cost each write.
    uniqueIndex('reminder_occurrences_due_uq').on(t.reminderId, t.dueAt),
    // Firing in due order: the next scheduled ones, read in index order (a burst shares one due_at).
    index('reminder_occurrences_scheduled_idx').on(t.dueAt, t.id).where(sql`state = 'scheduled'`),
    // What the reconciler hands to the queue: scheduled ones written since its last look.
    index('reminder_occurrences_written_idx').on(t.writtenBy).where(sql`state = 'scheduled'`),
  ],
);

/** Working calendar (调休 included): dates that differ from the plain weekday rule. */
export const calendarDays = pgTable('calendar_days', {
  date: date('date', { mode: 'string' }).primaryKey(),
  working: boolean('working').notNull(),
  name: text('name'),
});

/**
 * Every backup and restore drill (R-SEC-3), manual or scheduled: `backup list` shows it. A scheduled one
 * is written 'queued' by its reminder occurrence's firing (occurrence_id: one row per slot), claimed
 * 'started' by one process, and 'done' or 'failed' when it ends; 'started' that never ends is a crash.
 */
export const backupLog = pgTable(
  'backup_log',
  {
    id: serial('id').primaryKey(),
    /** backup or drill. */
    kind: text('kind').notNull(),
    /** manual (npm run backup) or schedule (BACKUP_SCHEDULE, BACKUP_DRILL_SCHEDULE). */
    trigger: text('trigger').notNull(),
    occurrenceId: bigint('occurrence_id', { mode: 'number' }).unique(),
    /** queued → started → done | failed. */
    state: text('state').notNull().default('queued'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    file: text('file'),
    size: bigint('size', { mode: 'number' }),
    sha256: text('sha256'),
    encrypted: boolean('encrypted').notNull().default(false),
    error: text('error'),
    /** A drill's comparison: tables compared and the differences found. */
    result: jsonb('result'),
    /** host:pid of the process that ran it, to tell a crash from a run in progress. */
    runner: text('runner'),
    createdAt: createdAt(),
  },
  (t) => [index('backup_log_kind_idx').on(t.kind, t.state, t.id)],
);

/**
 * A rectification notice (整改通知, policy 6): a supervisor asks a person, or a department's head, to fix
 * something about a record by a date. open → accepted → done (by the responsible) → closed (a supervisor's
 * check); a supervisor may reopen a done notice. Numbered from the R sequence, shared with reminders, so
 * an R- number names one thing. Its history is rectify_events.
 */
export const rectifyNotices = pgTable(
  'rectify_notices',
  {
    id: serial('id').primaryKey(),
    number: text('number').notNull().unique(),
    /** The record concerned (SO-0003, C-0001), if any. */
    recordRef: text('record_ref'),
    issue: text('issue').notNull(),
    /** Addressed to a person, or to a department (its head answers); the department is kept for both. */
    assigneeId: integer('assignee_id').references(() => people.id),
    departmentId: integer('department_id').references(() => departments.id),
    /** Who must act: the person, or the department's head when it was issued to a department. */
    responsibleId: integer('responsible_id')
      .notNull()
      .references(() => people.id),
    state: text('state').notNull().default('open'),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    /** Set when the deadline passed without Done; the card says so and management was told. */
    overdueAt: timestamp('overdue_at', { withTimezone: true }),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    doneAt: timestamp('done_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    closedBy: integer('closed_by').references(() => people.id),
    closeNote: text('close_note'),
    createdBy: integer('created_by')
      .notNull()
      .references(() => people.id),
    createdAt: createdAt(),
  },
  (t) => [
    index('rectify_notices_state_idx').on(t.state, t.dueAt),
    index('rectify_notices_created_idx').on(t.createdAt),
  ],
);

/** What happened to a notice, who and when: new, accept, done, close, reopen, overdue. */
export const rectifyEvents = pgTable(
  'rectify_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    noticeId: integer('notice_id')
      .notNull()
      .references(() => rectifyNotices.id),
    kind: text('kind').notNull(),
    personId: integer('person_id').references(() => people.id),
    note: text('note'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('rectify_events_notice_idx').on(t.noticeId)],
);

/**
 * A sample of records drawn for checking (audit sample): the seed and the records picked, so the same
 * sample can be shown again, and drawn again from the seed to prove it was not chosen by hand.
 */
export const auditSamples = pgTable('audit_samples', {
  id: serial('id').primaryKey(),
  number: text('number').notNull().unique(),
  recordType: text('record_type').notNull(),
  /** The month the records were created in (2026-11). */
  month: text('month').notNull(),
  size: integer('size').notNull(),
  seed: text('seed').notNull(),
  /** How many records of that type and month there were to pick from. */
  population: integer('population').notNull(),
  picked: text('picked').array().notNull(),
  createdBy: integer('created_by')
    .notNull()
    .references(() => people.id),
  createdAt: createdAt(),
});

/** Reminder numbers (R-…): a sequence, since many are created at once by the system (gaps are harmless). */
export const reminderNumbers = pgSequence('reminder_numbers', { startWith: 1 });

/**
 * Record numbers (C-, L-, Q-, SO-, A-, I-): one sequence per prefix. Unique and never reused under any
 * concurrency, without the lock queue a counter row makes; a creation that rolls back leaves a gap.
 * (The counters table above held them before; the migration carries its values over.)
 */
export const recordNumbersC = pgSequence('record_numbers_c', { startWith: 1 });
export const recordNumbersL = pgSequence('record_numbers_l', { startWith: 1 });
export const recordNumbersQ = pgSequence('record_numbers_q', { startWith: 1 });
export const recordNumbersSo = pgSequence('record_numbers_so', { startWith: 1 });
export const recordNumbersA = pgSequence('record_numbers_a', { startWith: 1 });
export const recordNumbersI = pgSequence('record_numbers_i', { startWith: 1 });
/** Audit sample numbers (S-…). */
export const recordNumbersS = pgSequence('record_numbers_s', { startWith: 1 });

/**
 * Web workspace sign-in links (issue 17): single use, valid minutes, bound to one person. Only the SHA-256
 * of the token is kept, so a copy of the database signs nobody in.
 */
export const webSignInLinks = pgTable(
  'web_sign_in_links',
  {
    id: serial('id').primaryKey(),
    tokenHash: text('token_hash').notNull().unique(),
    personId: integer('person_id')
      .notNull()
      .references(() => people.id),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('web_sign_in_links_person_idx').on(t.personId)],
);

/** Web workspace sessions: the cookie's token hashed; offboarding deletes a person's rows at once. */
export const webSessions = pgTable(
  'web_sessions',
  {
    id: serial('id').primaryKey(),
    tokenHash: text('token_hash').notNull().unique(),
    personId: integer('person_id')
      .notNull()
      .references(() => people.id),
    /** The token every form of this session carries (CSRF). */
    csrfToken: text('csrf_token').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('web_sessions_person_idx').on(t.personId)],
);
