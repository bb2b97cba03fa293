// The structure of market information by kind (policy 2.5, R-MKT-1): industry news names trends, policy,
// market size and growth; competitor facts name the competitor, its products, pricing, market share,
// channels and promotions; campaign feedback names the campaign, participants, feedback and conversions.
// Each is an optional key of `intel add`; a key that does not fit the kind is refused.
import { k } from '../commands/keys.ts';
import { spell } from '../commands/vocabulary.ts';
import { refuseInput } from '../core/errors.ts';
import { type Locale, pick } from '../i18n/locale.ts';
import { INTEL_KINDS } from './labels.ts';

/** The kinds as typed (kind=…), with their aliases; the first Chinese one is what answers name. */
export const KINDS = {
  industry: ['行业', '行业动态', 'news', 'trend', 'policy'],
  competitor: ['竞争对手', '竞品', 'rival'],
  campaign: ['市场活动', '活动反馈', 'feedback'],
  tip: ['线索', '爆料', '信息'],
} as const;
const kindWord = (kind: IntelKind, l: Locale) => pick(l, { en: kind, zh: KINDS[kind][0] });

export const STRUCTURE = {
  industry: ['trend', 'policy', 'size', 'growth'],
  competitor: ['competitor', 'product', 'pricing', 'mshare', 'channels', 'promotions'],
  campaign: ['campaign', 'participants', 'feedback', 'conversions'],
  tip: [],
} as const;
export type IntelKind = keyof typeof STRUCTURE;
export type StructureKey = (typeof STRUCTURE)[Exclude<IntelKind, 'tip'>][number];

export const STRUCTURE_KEYS = Object.values(STRUCTURE).flat() as StructureKey[];

/** How each part is labelled on show and list. */
export const STRUCTURE_NAMES: Record<StructureKey, { en: string; zh: string }> = {
  trend: { en: 'Trend', zh: '发展趋势' },
  policy: { en: 'Policy and regulation', zh: '政策法规' },
  size: { en: 'Market size', zh: '市场规模' },
  growth: { en: 'Growth', zh: '增长率' },
  competitor: { en: 'Competitor', zh: '竞争对手' },
  product: { en: 'Products', zh: '产品特点' },
  pricing: { en: 'Pricing', zh: '价格策略' },
  mshare: { en: 'Market share', zh: '市场份额' },
  channels: { en: 'Channels', zh: '销售渠道' },
  promotions: { en: 'Promotions', zh: '促销活动' },
  campaign: { en: 'Campaign', zh: '活动' },
  participants: { en: 'Participants', zh: '参与人数' },
  feedback: { en: 'Feedback', zh: '客户反馈' },
  conversions: { en: 'Conversions', zh: '潜在客户转化' },
};

const part = () => k.text(500).optional();
/** The optional keys of `intel add`, one per part. */
export const structureKeys = Object.fromEntries(STRUCTURE_KEYS.map((key) => [key, part()])) as Record<
  StructureKey,
  ReturnType<typeof part>
>;

const keyList = (keys: readonly string[], l: Locale) =>
  keys.map((key) => `${spell('key', key, l)}=`).join(pick(l, { en: ', ', zh: '、' }));

/**
 * The parts given for an item of this kind, in the kind's order; a part of another kind is refused,
 * saying which kind it belongs to and what this kind takes.
 */
export function structureOf(
  kind: IntelKind,
  args: Partial<Record<StructureKey, string>>,
): Record<string, string> {
  const given = STRUCTURE_KEYS.filter((key) => args[key] !== undefined);
  const fits: readonly string[] = STRUCTURE[kind];
  const wrong = given.filter((key) => !fits.includes(key));
  if (wrong.length > 0) {
    const key = wrong[0]!;
    const owner = (Object.keys(STRUCTURE) as IntelKind[]).find((kd) =>
      (STRUCTURE[kd] as readonly string[]).includes(key),
    )!;
    const takes = (l: Locale) =>
      fits.length
        ? pick(l, {
            en: `${INTEL_KINDS[kind]!.en} takes ${keyList(fits, 'en')}`,
            zh: `${INTEL_KINDS[kind]!.zh}可填 ${keyList(fits, 'zh')}`,
          })
        : pick(l, {
            en: 'a tip takes no structure: choose kind=industry, competitor or campaign to give one',
            zh: '信息线索不带结构字段：如需填写，请选择 类型=行业、竞争对手 或 市场活动',
          });
    refuseInput(
      `${spell('key', key, 'en')}= belongs to ${INTEL_KINDS[owner]!.en} (kind=${kindWord(owner, 'en')}), not to ${INTEL_KINDS[kind]!.en}; ${takes('en')}. Nothing was recorded.`,
      `${spell('key', key, 'zh')}= 属于${INTEL_KINDS[owner]!.zh}（类型=${kindWord(owner, 'zh')}），不适用于${INTEL_KINDS[kind]!.zh}；${takes('zh')}。未做任何记录。`,
    );
  }
  return Object.fromEntries(
    fits
      .filter((key) => args[key as StructureKey] !== undefined)
      .map((key) => [key, args[key as StructureKey]!]),
  );
}

/** The parts of an item as label/value pairs, in the kind's order (stored order for anything else). */
export function structureFields(details: Record<string, string>, l: Locale): [string, string, string][] {
  const known = STRUCTURE_KEYS.filter((key) => details[key] !== undefined);
  return known.map((key) => [key, STRUCTURE_NAMES[key][l], details[key]!]);
}
