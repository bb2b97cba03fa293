// A customer's page (a first slice: the card and its contacts). A rep opens only their own customers and
// those shared with their department, whatever the URL; contacts follow the core's Reveal, and a part the
// reader may not see is marked as withheld rather than silently missing.
import { asc, eq } from 'drizzle-orm';
import type { CardField } from '../cards/card.ts';
import type { FlowContext } from '../core/context.ts';
import { reveal } from '../core/visibility.ts';
import { contacts, customers } from '../db/schema.ts';
import { personName } from '../flows/common.ts';
import { sharedFields } from '../flows/customer.ts';
import { CUSTOMER_STATUS, nameOf } from '../flows/labels.ts';
import { Page } from './layout.tsx';
import { say } from './text.ts';

export type CustomerView = { number: string; name: string; fields: CardField[] };

export const withheld = (l: 'en' | 'zh') => say(l, '🔒 confidential', '🔒 保密');

export async function customerView(
  ctx: FlowContext,
  number: string,
): Promise<CustomerView | 'missing' | 'refused'> {
  const [c] = await ctx.tx.select().from(customers).where(eq(customers.number, number.toUpperCase()));
  if (!c) return 'missing';
  const shared = await sharedFields(ctx, c.id, ctx.actor.department);
  if (ctx.actor.role === 'sales_rep' && c.ownerId !== ctx.actor.personId && shared.length === 0) {
    await ctx.audit('denied', 'customer', c.number, { via: 'web', reason: "another rep's customer" });
    return 'refused';
  }
  const l = ctx.locale;
  const r = reveal(ctx, { kind: 'customer', ownerId: c.ownerId, shared });
  const f = (label: string, value: string | null | undefined): CardField => ({ label, value: value || '—' });
  const fields: CardField[] = [
    f(say(l, 'Industry', '行业'), c.industry),
    f(say(l, 'Region', '地区'), c.region),
    f(say(l, 'Address', '地址'), c.address),
    f(say(l, 'Size', '规模'), c.size),
    f(say(l, 'Owner', '负责人'), await personName(ctx, c.ownerId)),
    f(
      say(l, 'Status', '状态'),
      nameOf(CUSTOMER_STATUS, c.status, l) + (c.keyAccount ? say(l, ' · key account', ' · 重点客户') : ''),
    ),
  ];
  if (r.show('contacts') === 'omitted') {
    fields.push(f(say(l, 'Contacts', '联系人'), withheld(l)));
  } else {
    const rows = await ctx.tx
      .select()
      .from(contacts)
      .where(eq(contacts.customerId, c.id))
      .orderBy(asc(contacts.id));
    for (const [i, p] of rows.entries()) {
      const phone = r.text('contacts', 'contacts', p.phone ?? '—');
      const email = r.text('contacts', 'contacts', p.email ?? '—');
      fields.push(
        f(
          `${say(l, 'Contact', '联系人')} #${i + 1}`,
          `${p.name}${p.title ? ` (${p.title})` : ''} · ${phone} · ${email}`,
        ),
      );
    }
  }
  await ctx.auditRead('customer', c.number, r.fields, { via: 'web' });
  return { number: c.number, name: c.name, fields };
}

export function CustomerPage(p: { ctx: FlowContext; v: CustomerView; csrf: string }) {
  const l = p.ctx.locale;
  return (
    <Page title={p.v.name} actor={p.ctx.actor} csrf={p.csrf}>
      <h1>
        {p.v.number} {p.v.name}
      </h1>
      <section class="card">
        <dl class="fields" data-testid="customer-fields">
          {p.v.fields.map((x) => (
            <>
              <dt>{x.label}</dt>
              <dd>{x.value}</dd>
            </>
          ))}
        </dl>
        <p>
          <a href={`/app/orders?q=${encodeURIComponent(p.v.number)}`}>
            {say(l, 'Orders of this customer', '该客户的订单')}
          </a>
        </p>
      </section>
    </Page>
  );
}
