// i18n.js -- every string the pages show, in zh-CN (the default) and English.
//
// t('key', {n: 3}) looks the key up in the current language and fills {n}.
// The choice is kept in localStorage and also sets <html lang> and the
// Accept-Language of API calls (see api.js), so that server messages come
// back in the same language.  tests/browser/i18n.test.mjs checks that both
// tables have the same keys.

export const LANGS = ['zh-CN', 'en'];
// Each language named in itself, as language switches do.
export const LANG_NAMES = { 'zh-CN': '中文', en: 'English' };
const STORAGE_KEY = 'epigrid.lang';

export const messages = {
  'zh-CN': {
    'app.name': 'epigrid',
    'app.title': '疫情防控指挥平台',
    'app.loading': '加载中…',
    'app.error': '出错了',
    'app.retry': '重试',
    'app.network': '网络连接失败,请检查网络后重试',
    'app.not_found': '页面不存在',
    'app.back_home': '返回首页',

    'lang.switch': '语言',

    'nav.main': '主导航',
    'nav.regions': '地区',
    'nav.persons': '人员查询',

    'header.user': '当前用户',
    'header.scope': '管辖范围',
    'header.logout': '退出登录',

    'login.title': '登录',
    'login.username': '用户名',
    'login.password': '密码',
    'login.submit': '登录',
    'login.submitting': '正在登录…',
    'login.required': '请输入用户名和密码',
    'login.hint': '仅限授权工作人员使用',

    'role.admin': '系统管理员',
    'role.commander': '指挥部',
    'role.grid_worker': '网格员',
    'role.health': '卫健疾控',
    'role.organiser': '组织部',
    'role.supplies': '物资保障',
    'role.inspector': '督查',
    'role.viewer': '只读用户',

    'level.city': '市',
    'level.county': '县/区',
    'level.township': '乡镇/街道',
    'level.village': '村/社区',
    'level.grid': '网格',

    'stats.households': '户数',
    'stats.persons': '人数',

    'regions.breadcrumb': '地区路径',
    'regions.children': '下级地区',
    'regions.name': '名称',
    'regions.none': '没有下级地区',
    'regions.search_here': '在本地区查询人员',
    'regions.code': '代码',

    'persons.title': '人员查询',
    'persons.in_region': '查询范围',
    'persons.change_region': '更换地区',
    'persons.query': '姓名或身份证号',
    'persons.query_hint': '输入完整姓名,或 18 位身份证号',
    'persons.search': '查询',
    'persons.results': '查询结果',
    'persons.none': '没有找到符合条件的人员',
    'persons.count': '已显示 {n} 人',
    'persons.more': '加载更多',
    'persons.name': '姓名',
    'persons.sex': '性别',
    'persons.birth_date': '出生日期',
    'persons.id_number': '身份证号',
    'persons.phone': '手机号',
    'persons.grid': '网格',
    'persons.actions': '操作',
    'persons.unmask': '查看完整信息',
    'persons.unmasking': '正在获取…',
    'persons.unmasked': '已显示完整信息(已记录查看日志)',
    'persons.masked_note': '身份证号和手机号已按权限脱敏显示',
    'persons.sex.M': '男',
    'persons.sex.F': '女',
  },
  en: {
    'app.name': 'epigrid',
    'app.title': 'Epidemic Command Platform',
    'app.loading': 'Loading…',
    'app.error': 'Something went wrong',
    'app.retry': 'Retry',
    'app.network': 'Network error: check the connection and retry',
    'app.not_found': 'Page not found',
    'app.back_home': 'Back to start',

    'lang.switch': 'Language',

    'nav.main': 'Main navigation',
    'nav.regions': 'Regions',
    'nav.persons': 'Person search',

    'header.user': 'Signed in as',
    'header.scope': 'Jurisdiction',
    'header.logout': 'Log out',

    'login.title': 'Log in',
    'login.username': 'Username',
    'login.password': 'Password',
    'login.submit': 'Log in',
    'login.submitting': 'Logging in…',
    'login.required': 'Enter your username and password',
    'login.hint': 'For authorised staff only',

    'role.admin': 'Administrator',
    'role.commander': 'Command HQ',
    'role.grid_worker': 'Grid worker',
    'role.health': 'Health / CDC',
    'role.organiser': 'Organisation dept.',
    'role.supplies': 'Supplies',
    'role.inspector': 'Inspector',
    'role.viewer': 'Viewer',

    'level.city': 'City',
    'level.county': 'County',
    'level.township': 'Township',
    'level.village': 'Village / community',
    'level.grid': 'Grid',

    'stats.households': 'Households',
    'stats.persons': 'Persons',

    'regions.breadcrumb': 'Region path',
    'regions.children': 'Sub-regions',
    'regions.name': 'Name',
    'regions.none': 'No sub-regions',
    'regions.search_here': 'Search persons here',
    'regions.code': 'Code',

    'persons.title': 'Person search',
    'persons.in_region': 'Searching in',
    'persons.change_region': 'Change region',
    'persons.query': 'Name or ID number',
    'persons.query_hint': 'Full name, or an 18-character ID number',
    'persons.search': 'Search',
    'persons.results': 'Results',
    'persons.none': 'No matching persons',
    'persons.count': '{n} shown',
    'persons.more': 'Load more',
    'persons.name': 'Name',
    'persons.sex': 'Sex',
    'persons.birth_date': 'Born',
    'persons.id_number': 'ID number',
    'persons.phone': 'Phone',
    'persons.grid': 'Grid',
    'persons.actions': 'Actions',
    'persons.unmask': 'Unmask',
    'persons.unmasking': 'Fetching…',
    'persons.unmasked': 'Full values shown (this view is logged)',
    'persons.masked_note': 'ID numbers and phones are masked for your role',
    'persons.sex.M': 'M',
    'persons.sex.F': 'F',
  },
};

function stored() {
  try {
    const v = globalThis.localStorage?.getItem(STORAGE_KEY);
    return LANGS.includes(v) ? v : null;
  } catch {
    return null; // storage disabled (private mode): fall back to the default
  }
}

let current = stored() ?? 'zh-CN';

export function getLang() {
  return current;
}

// Switches the language, remembers it and updates <html lang>.  The caller
// re-renders (app.js keeps the language in its state).
export function setLang(lang) {
  if (!LANGS.includes(lang)) return;
  current = lang;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    /* not remembered; still switched */
  }
  if (globalThis.document) document.documentElement.lang = lang;
}

// The string for "key" in the current language, with {name} filled from
// "params"; an unknown key shows itself so that it is noticed.
export function t(key, params) {
  const s = messages[current][key] ?? messages['zh-CN'][key] ?? key;
  return params ? s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m)) : s;
}

// A count formatted for the current language (1,183 / 1,183).
export function num(n) {
  return typeof n === 'number' ? n.toLocaleString(current) : '–';
}

if (globalThis.document) document.documentElement.lang = current;
