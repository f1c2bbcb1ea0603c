export const locales = {
  'zh-CN': {
    menu: '交易管理',
    title: '交易管理',
  },
  'en-US': {
    menu: 'Transactions',
    title: 'Transactions',
  },
};
