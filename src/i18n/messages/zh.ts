// 中文 (src/i18n/catalogue.ts).
import type { Catalogue } from '../catalogue-shape.ts';

export const zh: Catalogue = {
  textOnly: '我只能读取文字命令，请输入「帮助」。',
  workingOnIt: '处理中…',
  typeInstead: (command) => `请改为输入：${command}`,
  writeSomething: '请填写内容',
  done: '已处理',
  moreInText: '（更多内容请用文字命令查看）',
  typeCommand: '请输入',
  orType: '或输入',
  replyWith: '回复以下命令',
  mentionTheBot: '（请 @机器人）',
  mentionTheBotAndType: '@机器人 并输入',
  form: {
    submit: '提交',
    cancel: '取消',
    create: '创建',
    line: (n) => `明细 ${n}`,
    product: '品名',
    model: '型号',
    quantity: '数量',
    unitPrice: '单价',
    addLine: '添加明细',
    errors: {
      recordNumber: (example) => `编号，如 ${example}`,
      oneOf: (labels) => `请至少填写一项：${labels.join('、')}`,
      productName: '请填写品名',
      quantityAboveZero: '数量须大于 0',
      price: '单价，如 35.5',
      oneLine: '至少需要一行明细',
    },
  },
};
