// Block Kit validation as Slack does it (limits from docs.slack.dev and @slack/types; see
// ../shared/platforms/slack.md §5). Returns the problems; an empty list means Slack would accept it.
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function textObject(v: unknown, path: string, max: number, errors: string[], plainOnly = false): void {
  if (!isObj(v)) {
    errors.push(`${path}: must be a text object`);
    return;
  }
  if (v.type !== 'plain_text' && v.type !== 'mrkdwn') {
    errors.push(`${path}.type: must be plain_text or mrkdwn`);
    return;
  }
  if (plainOnly && v.type !== 'plain_text') errors.push(`${path}.type: must be plain_text`);
  if (typeof v.text !== 'string' || v.text.length === 0) {
    errors.push(`${path}.text: must be non-empty`);
    return;
  }
  if (v.text.length > max)
    errors.push(`${path}.text: must be at most ${max} characters (got ${v.text.length})`);
}

function button(el: Obj, path: string, errors: string[], actionIds: Set<string>): void {
  textObject(el.text, `${path}.text`, 75, errors, true);
  actionId(el.action_id, path, errors, actionIds);
  if (el.value !== undefined && (typeof el.value !== 'string' || el.value.length > 2000))
    errors.push(`${path}.value: must be a string of at most 2000 characters`);
  if (el.url !== undefined && (typeof el.url !== 'string' || el.url.length > 3000))
    errors.push(`${path}.url: too long`);
  if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger')
    errors.push(`${path}.style: must be primary or danger`);
}

function actionId(v: unknown, path: string, errors: string[], actionIds: Set<string>): void {
  if (v === undefined) return;
  if (typeof v !== 'string' || v.length === 0 || v.length > 255) {
    errors.push(`${path}.action_id: must be 1-255 characters`);
    return;
  }
  if (actionIds.has(v)) errors.push(`${path}.action_id: ${v} is used twice`);
  actionIds.add(v);
}

const INPUT_ELEMENTS = new Set([
  'plain_text_input',
  'number_input',
  'datepicker',
  'static_select',
  'users_select',
  'checkboxes',
  'radio_buttons',
  'email_text_input',
]);

function inputElement(el: unknown, path: string, errors: string[]): void {
  if (!isObj(el) || typeof el.type !== 'string' || !INPUT_ELEMENTS.has(el.type)) {
    errors.push(`${path}: unsupported input element`);
    return;
  }
  if (typeof el.action_id !== 'string' || el.action_id.length > 255)
    errors.push(`${path}.action_id: required, ≤255`);
  if (el.type === 'number_input' && typeof el.is_decimal_allowed !== 'boolean')
    errors.push(`${path}.is_decimal_allowed: required`);
  if (el.type === 'number_input')
    for (const k of ['min_value', 'max_value', 'initial_value'])
      if (el[k] !== undefined && typeof el[k] !== 'string') errors.push(`${path}.${k}: must be a string`);
  if (el.type === 'plain_text_input' && el.max_length !== undefined && Number(el.max_length) > 3000)
    errors.push(`${path}.max_length: at most 3000`);
  if (el.type === 'static_select') {
    const options = el.options;
    if (!Array.isArray(options) || options.length === 0 || options.length > 100)
      errors.push(`${path}.options: 1-100 options`);
    else
      options.forEach((o, i) => {
        if (!isObj(o)) {
          errors.push(`${path}.options[${i}]: must be an object`);
          return;
        }
        textObject(o.text, `${path}.options[${i}].text`, 75, errors, true);
        if (typeof o.value !== 'string' || o.value.length > 150)
          errors.push(`${path}.options[${i}].value: ≤150`);
      });
  }
  if (el.placeholder !== undefined) textObject(el.placeholder, `${path}.placeholder`, 150, errors, true);
}

export function validateBlocks(blocks: unknown, surface: 'message' | 'modal'): string[] {
  const errors: string[] = [];
  if (!Array.isArray(blocks)) return ['blocks: must be an array'];
  const max = surface === 'message' ? 50 : 100;
  if (blocks.length > max) errors.push(`blocks: at most ${max} blocks (got ${blocks.length})`);
  const blockIds = new Set<string>();
  const actionIds = new Set<string>();
  blocks.forEach((b, i) => {
    const path = `blocks[${i}]`;
    if (!isObj(b)) {
      errors.push(`${path}: must be an object`);
      return;
    }
    if (b.block_id !== undefined) {
      if (typeof b.block_id !== 'string' || b.block_id.length === 0 || b.block_id.length > 255)
        errors.push(`${path}.block_id: must be 1-255 characters`);
      else if (blockIds.has(b.block_id)) errors.push(`${path}.block_id: ${b.block_id} is used twice`);
      else blockIds.add(b.block_id);
    }
    switch (b.type) {
      case 'header':
        textObject(b.text, `${path}.text`, 150, errors, true);
        break;
      case 'section': {
        if (b.text === undefined && b.fields === undefined) errors.push(`${path}: needs text or fields`);
        if (b.text !== undefined) textObject(b.text, `${path}.text`, 3000, errors);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length === 0 || b.fields.length > 10)
            errors.push(`${path}.fields: 1-10 items`);
          else
            b.fields.forEach((f, j) => {
              textObject(f, `${path}.fields[${j}]`, 2000, errors);
            });
        }
        if (isObj(b.accessory) && b.accessory.type === 'button')
          button(b.accessory, `${path}.accessory`, errors, actionIds);
        break;
      }
      case 'context': {
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10)
          errors.push(`${path}.elements: 1-10 items`);
        else
          b.elements.forEach((e, j) => {
            textObject(e, `${path}.elements[${j}]`, 3000, errors);
          });
        break;
      }
      case 'actions': {
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25)
          errors.push(`${path}.elements: 1-25 items`);
        else
          b.elements.forEach((e, j) => {
            if (!isObj(e) || e.type !== 'button') {
              errors.push(`${path}.elements[${j}]: unsupported element`);
              return;
            }
            button(e, `${path}.elements[${j}]`, errors, actionIds);
          });
        break;
      }
      case 'divider':
        break;
      case 'input': {
        if (surface !== 'modal') errors.push(`${path}: input blocks only in modals`);
        textObject(b.label, `${path}.label`, 2000, errors, true);
        if (b.hint !== undefined) textObject(b.hint, `${path}.hint`, 2000, errors, true);
        inputElement(b.element, `${path}.element`, errors);
        break;
      }
      default:
        errors.push(`${path}.type: unknown block type ${String(b.type)}`);
    }
  });
  return errors;
}

export function validateView(view: unknown): string[] {
  if (!isObj(view)) return ['view: must be an object'];
  const errors: string[] = [];
  if (view.type !== 'modal') errors.push('view.type: must be modal');
  textObject(view.title, 'view.title', 24, errors, true);
  if (view.close !== undefined) textObject(view.close, 'view.close', 24, errors, true);
  const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObj(b) && b.type === 'input');
  if (view.submit !== undefined) textObject(view.submit, 'view.submit', 24, errors, true);
  else if (hasInput) errors.push('view.submit: required when the view has input blocks');
  if (view.private_metadata !== undefined && String(view.private_metadata).length > 3000)
    errors.push('view.private_metadata: at most 3000 characters');
  if (view.callback_id !== undefined && String(view.callback_id).length > 255)
    errors.push('view.callback_id: at most 255 characters');
  errors.push(...validateBlocks(view.blocks, 'modal'));
  if (JSON.stringify(view).length > 250_000) errors.push('view: too large');
  return errors;
}
