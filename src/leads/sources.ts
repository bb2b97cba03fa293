// Where a lead came from (R-LEAD-1): the codes stored on leads and matched by assignment rules, with the
// words people type for them.
export const SOURCES = {
  campaign: ['市场活动', '活动', 'marketing'],
  online: ['网络', '网络推广', 'web', 'internet'],
  referral: ['推荐', '客户推荐', 'recommendation'],
  expo: ['展会', '展會', '行业展会', '展览', 'exhibition', 'trade show', 'tradeshow', 'fair'],
  other: ['其他', '其它'],
} as const;
export type SourceCode = keyof typeof SOURCES;
