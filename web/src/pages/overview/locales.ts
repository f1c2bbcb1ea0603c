export const locales = {
  'zh-CN': {
    menu: '概览',
    title: '概览',
  },
  'en-US': {
    menu: 'Overview',
    title: 'Overview',
  },
};
