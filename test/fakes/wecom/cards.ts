// The fake's card validation: what WeCom documents as required or limited for template cards.
// (WeCom's exact errcodes for bad cards are not published for the long connection; 40058 "invalid
// parameter" with a precise errmsg stands in for them.)

type Json = Record<string, unknown>;

const TASK_ID = /^[A-Za-z0-9_\-@]+$/;
const TYPES = [
  'text_notice',
  'news_notice',
  'button_interaction',
  'vote_interaction',
  'multiple_interaction',
];

/** Returns why WeCom would refuse the card, or null. `updateOf` is the task_id an update must keep. */
export function cardProblem(card: unknown, updateOf?: string): string | null {
  if (!card || typeof card !== 'object') return 'template_card missing';
  const c = card as Json;
  if (typeof c.card_type !== 'string' || !TYPES.includes(c.card_type))
    return `invalid card_type ${String(c.card_type)}`;
  const task = c.task_id;
  const interactive = c.card_type !== 'text_notice' && c.card_type !== 'news_notice';
  if (interactive && (typeof task !== 'string' || task.length === 0)) return 'task_id required';
  if (task !== undefined) {
    if (typeof task !== 'string' || !TASK_ID.test(task))
      return 'task_id may hold only digits, letters and _-@';
    if (Buffer.byteLength(task) > 128) return 'task_id longer than 128 bytes';
  }
  if (updateOf !== undefined && task !== updateOf)
    return 'task_id of an update must be the task_id of the card';
  const title = (c.main_title as Json | undefined)?.title;
  const hl = c.horizontal_content_list;
  if (hl !== undefined && (!Array.isArray(hl) || hl.length > 6))
    return 'horizontal_content_list holds at most 6 items';
  if (c.card_type === 'text_notice') {
    if (!title && !c.sub_title_text) return 'text_notice needs main_title.title or sub_title_text';
    const action = c.card_action as Json | undefined;
    if (
      !action ||
      (action.type === 1 && typeof action.url !== 'string') ||
      ![1, 2].includes(action.type as number)
    )
      return 'text_notice needs card_action';
    return null;
  }
  if (c.card_type === 'button_interaction') {
    if (typeof title !== 'string' || !title) return 'button_interaction needs main_title.title';
    const list = c.button_list;
    if (!Array.isArray(list) || list.length === 0) return 'button_list required';
    if (list.length > 6) return 'button_list holds at most 6 buttons';
    const keys = new Set<string>();
    for (const b of list as Json[]) {
      if (typeof b.text !== 'string' || !b.text) return 'button text required';
      if (b.style !== undefined && ![1, 2, 3, 4].includes(b.style as number)) return 'button style is 1..4';
      if (typeof b.key !== 'string' || !b.key) return 'button key required';
      if (Buffer.byteLength(b.key) > 1024) return 'button key longer than 1024 bytes';
      if (keys.has(b.key)) return 'button keys must be unique';
      keys.add(b.key);
    }
  }
  return null;
}
