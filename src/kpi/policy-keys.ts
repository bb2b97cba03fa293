// The words of `admin policy` for the KPI targets and required fields (target.order.ack=8h,
// required.customer=contact,phone,…), English and Chinese. The vocabulary spreads these into its keys.

export const TARGET_KEYS = {
  'target.order.deliver': ['target.order.deliver', '时限.订单.送达'],
  'target.order.ack': ['target.order.ack', '时限.订单.确认'],
  'target.change.deliver': ['target.change.deliver', '时限.变更.送达'],
  'target.change.ack': ['target.change.ack', '时限.变更.确认'],
  'target.cancel.deliver': ['target.cancel.deliver', '时限.取消.送达'],
  'target.cancel.ack': ['target.cancel.ack', '时限.取消.确认'],
  'target.lead.assign': ['target.lead.assign', '时限.线索.分配'],
  'target.lead.follow': ['target.lead.follow', '时限.线索.跟进'],
  'target.shipment.deliver': ['target.shipment.deliver', '时限.发货.送达'],
  'target.quote.deliver': ['target.quote.deliver', '时限.报价.送达'],
  'target.correction.deliver': ['target.correction.deliver', '时限.更正.送达'],
} as const;

export const REQUIRED_KEYS = {
  'required.customer': ['required.customer', '必填.客户'],
  'required.lead': ['required.lead', '必填.线索'],
  'required.quote': ['required.quote', '必填.报价'],
  'required.order': ['required.order', '必填.订单'],
} as const;

export type TargetKey = keyof typeof TARGET_KEYS;
export type RequiredKey = keyof typeof REQUIRED_KEYS;
