// ordinance workbench: the rules beside the words of the law they encode.
// Plain JavaScript over the service's own JSON API (/v1/...); no framework,
// no network beyond the service, so it works offline and prints.
'use strict';

const I18N = {
  zh: {
    workbench: '规则工作台', filter: '筛选规则', token: '令牌', print: '打印', lang: 'English',
    welcome_title: '规则与法规原文对照',
    welcome_text: '从左侧选择一条规则：查看其决策表与所依据的原文，模拟计算，运行测试与情景，或编辑规则包。',
    tab_view: '规则', tab_simulate: '模拟', tab_tests: '测试', tab_scenarios: '情景', tab_edit: '编辑',
    run_tests: '运行测试与性质检验', only_failed: '只看未通过', all_packs: '所有规则包',
    run_scenario: '运行情景', only_disagree: '只看不一致', save: '保存', revert: '撤销修改',
    source_text: '原文', citation: '依据', inputs: '输入', outputs: '输出', name: '名称', type: '类型',
    default: '默认值', table: '决策表', hit: '命中策略', row: '行', condition_if: '附加条件',
    any: '任意', version: '版本', computed: '（公式）', formula: '公式', steps: '中间步骤', yaml: '规则定义（YAML）',
    as_of: '基准日', evaluate: '计算', result: '结果', trace: '推理过程', value: '值',
    no_source: '此规则包未附原文。', line: '第{n}行', lines: '第{a}–{b}行', note: '说明',
    passed: '通过', failed: '未通过', test: '测试', rule: '规则', location: '位置', message: '信息',
    tests_count: '{p} 项通过，{f} 项未通过', claims: '条目', status: '结论', printed: '原文数字',
    printed_formula: '原文算式', engine: '引擎计算', findings: '发现',
    agrees: '一致', disagrees: '不一致', unchecked: '未核对',
    figures: '印出数字', facts: '文字事实', checks: '情景断言', disagree_n: '{n} 处不一致',
    report_text: '报告全文', editing: '编辑文件', checking: '检查中…', loads: '可以加载',
    not_loads: '{n} 个错误', saved: '已保存并生效；旧版本存为 {p}', saved_new: '已保存并生效',
    need_token: '保存需要令牌：在右上角填写服务启动时的 --token。', not_editable: '此服务不可编辑（未设令牌或规则来自打包文件）。',
    save_refused: '未保存：', healthy: '服务正常', degraded: '最近一次重载失败，旧规则继续服务',
    ruleset: '规则集', empty: '（空）', add_row: '添加一行', remove: '删除', yes: '是', no: '否',
    choose: '请选择', unknown_error: '出错了', hint: '提示', tests_of: '测试（{n}）', properties_of: '性质（{n}）',
    valid: '有效期', no_scenarios: '此服务未配置情景目录（--scenarios）。', absent: '（不填）',
  },
  en: {
    workbench: 'Rules workbench', filter: 'Filter rules', token: 'Token', print: 'Print', lang: '中文',
    welcome_title: 'The rules beside the words of the law',
    welcome_text: 'Pick a rule on the left: read its table and the text it rests on, simulate it, run the tests and scenarios, or edit its pack.',
    tab_view: 'Rule', tab_simulate: 'Simulate', tab_tests: 'Tests', tab_scenarios: 'Scenarios', tab_edit: 'Edit',
    run_tests: 'Run tests and properties', only_failed: 'Failed only', all_packs: 'All packs',
    run_scenario: 'Run scenario', only_disagree: 'Disagreements only', save: 'Save', revert: 'Revert',
    source_text: 'Source text', citation: 'Citation', inputs: 'Inputs', outputs: 'Outputs', name: 'Name', type: 'Type',
    default: 'Default', table: 'Decision table', hit: 'Hit policy', row: 'Row', condition_if: 'Condition',
    any: 'any', version: 'Version', computed: '(formula)', formula: 'Formula', steps: 'Steps', yaml: 'Definition (YAML)',
    as_of: 'As of', evaluate: 'Evaluate', result: 'Result', trace: 'Trace', value: 'Value',
    no_source: 'This pack has no source text.', line: 'line {n}', lines: 'lines {a}–{b}', note: 'Note',
    passed: 'passed', failed: 'failed', test: 'Test', rule: 'Rule', location: 'Location', message: 'Message',
    tests_count: '{p} passed, {f} failed', claims: 'Claims', status: 'Status', printed: 'Printed',
    printed_formula: 'Printed arithmetic', engine: 'Engine', findings: 'Findings',
    agrees: 'agrees', disagrees: 'disagrees', unchecked: 'unchecked',
    figures: 'printed figures', facts: 'text facts', checks: 'scenario checks', disagree_n: '{n} disagree',
    report_text: 'Full report', editing: 'Editing', checking: 'checking…', loads: 'loads',
    not_loads: '{n} error(s)', saved: 'Saved and serving; the previous text is kept as {p}', saved_new: 'Saved and serving',
    need_token: 'Saving needs the token: enter the service\'s --token at the top right.', not_editable: 'This service does not edit (no token, or the rules come from a bundle).',
    save_refused: 'Not saved: ', healthy: 'serving', degraded: 'the last reload failed; the old rules keep serving',
    ruleset: 'rule set', empty: '(empty)', add_row: 'Add row', remove: 'Remove', yes: 'yes', no: 'no',
    choose: 'choose', unknown_error: 'Something went wrong', hint: 'Hint', tests_of: 'Tests ({n})', properties_of: 'Properties ({n})',
    valid: 'In force', no_scenarios: 'This service has no scenarios folder (--scenarios).', absent: '(not given)',
  },
};

const state = {
  lang: localStorage.getItem('ordinance.lang') || 'zh',
  packs: [],
  packDocs: new Map(),
  rule: null,
  pack: null,
  tab: 'view',
  sourcePack: null,
  lastTests: null,
  lastScenario: null,
  editorText: null,
  checkTimer: null,
  checkSeq: 0,
};

const $ = (sel, root) => (root || document).querySelector(sel);

function t(key, args) {
  let s = (I18N[state.lang] && I18N[state.lang][key]) || I18N.zh[key] || key;
  for (const [k, v] of Object.entries(args || {})) s = s.replace('{' + k + '}', String(v));
  return s;
}

// Builds an element: el('td', {class: 'x', onclick: f}, 'text', child, ...)
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'style') e.style.cssText = v; // CSSOM, which the page's CSP allows
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

async function api(method, path, body, withToken) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const token = $('#token').value.trim();
  if (withToken && token) headers.Authorization = 'Bearer ' + token;
  const resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await resp.text();
  let json = null;
  try { json = JSON.parse(text); } catch (_) { json = { code: 'not_json', message: text }; }
  return { status: resp.status, json };
}

function typeText(ty) {
  if (typeof ty === 'string') return ty;
  if (ty.enum) return ty.enum.join(' | ');
  if (ty.decimal !== undefined) return 'decimal(' + ty.decimal + ')';
  if (ty.list) return 'list of ' + typeText(ty.list);
  if (ty.optional) return typeText(ty.optional) + '?';
  if (ty.record) return '{' + Object.entries(ty.record).map(([k, v]) => k + ': ' + typeText(v)).join(', ') + '}';
  return JSON.stringify(ty);
}

function valueText(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

// ---------------------------------------------------------------- packs

async function loadPacks() {
  const r = await api('GET', '/v1/packs');
  state.packs = Array.isArray(r.json) ? r.json : [];
  renderPacks();
}

function renderPacks() {
  const nav = $('#packs');
  const q = $('#filter').value.trim().toLowerCase();
  nav.replaceChildren();
  for (const p of state.packs) {
    const rules = p.rules.filter((r) => !q || r.id.toLowerCase().includes(q) || (r.title || '').toLowerCase().includes(q));
    if (q && rules.length === 0) continue;
    const open = q || (state.rule && state.rule.id.startsWith(p.pack + '.'));
    nav.append(el('details', { open: !!open, dataset: { pack: p.pack } },
      el('summary', {}, p.pack, ' ', el('small', {}, p.document)),
      rules.map((r) => el('a', {
        href: '#rule=' + encodeURIComponent(r.id) + '&tab=' + state.tab,
        dataset: { rule: r.id },
        class: state.rule && state.rule.id === r.id ? 'current' : null,
        title: r.title || r.id,
      }, (r.title || r.id).split(' — ')[0], ' ', el('code', {}, r.id.slice(p.pack.length + 1))))));
  }
}

async function packDoc(name, fresh) {
  if (!fresh && state.packDocs.has(name)) return state.packDocs.get(name);
  const r = await api('GET', '/v1/packs/' + encodeURIComponent(name));
  if (r.status !== 200) throw new Error(r.json.message || r.status);
  state.packDocs.set(name, r.json);
  return r.json;
}

// ---------------------------------------------------------------- source text

function renderSource(pack) {
  const box = $('#source-lines');
  $('#source-doc').textContent = pack.document + ' ' + (pack.document_title || '');
  state.sourcePack = pack.pack;
  box.replaceChildren();
  if (!pack.source) { box.append(el('p', { class: 'meta' }, t('no_source'))); return; }
  const frag = document.createDocumentFragment();
  pack.source.lines.forEach((line, i) => {
    const n = pack.source.from + i;
    frag.append(el('div', { class: line.trim() ? 'ln' : 'ln blank', id: 'L' + n, dataset: { line: n } }, el('span', { class: 'no' }, n), el('span', {}, line)));
  });
  box.append(frag);
}

// The last line a quote reaches from its first line (for trace steps,
// which give only the first).
function quoteEnd(pack, line, quote) {
  if (!pack.source || !line) return line;
  const parts = quote.split(/…|\.\.\./).map((p) => p.replace(/\s+/g, '')).filter(Boolean);
  let acc = '';
  for (let n = line; n <= pack.source.to && n < line + 80; n++) {
    acc += (pack.source.lines[n - pack.source.from] || '').replace(/\s+/g, '');
    let at = 0, all = true;
    for (const p of parts) { const k = acc.indexOf(p, at); if (k < 0) { all = false; break; } at = k + p.length; }
    if (all) return n;
  }
  return line;
}

async function showCite(cite, packName) {
  if (!cite || !cite.line) return;
  let pack = state.pack;
  if (packName && (!pack || pack.pack !== packName)) {
    try { pack = await packDoc(packName); } catch (_) { pack = state.pack; }
  }
  if (!pack) return;
  if (state.sourcePack !== pack.pack) renderSource(pack);
  const end = cite.line_end || quoteEnd(pack, cite.line, cite.quote || '');
  for (const e of document.querySelectorAll('#source-lines .ln.hl')) e.classList.remove('hl');
  let first = null;
  for (let n = cite.line; n <= end; n++) {
    const e = document.getElementById('L' + n);
    if (e) { e.classList.add('hl'); first = first || e; }
  }
  if (first) first.scrollIntoView({ block: 'center' });
}

function citeBox(cite, packName) {
  if (!cite) return null;
  const where = cite.line
    ? (cite.line_end && cite.line_end !== cite.line ? t('lines', { a: cite.line, b: cite.line_end }) : t('line', { n: cite.line }))
    : '';
  return el('div', { class: 'cite', title: t('source_text'), onclick: () => showCite(cite, packName), dataset: { line: cite.line || '' } },
    el('div', { class: 'where' }, cite.document, ' ', cite.clause, where ? ' · ' + where : ''),
    el('q', { class: 'quote' }, cite.quote),
    cite.note ? el('div', { class: 'note' }, t('note'), '：', cite.note) : null);
}

// ---------------------------------------------------------------- the rule

async function openRule(id, tab) {
  const packName = id.split('.')[0];
  let pack;
  try { pack = await packDoc(packName); } catch (e) { return; }
  const rule = pack.rules.find((r) => r.id === id);
  if (!rule) return;
  const changedPack = !state.pack || state.pack.pack !== pack.pack;
  state.pack = pack;
  state.rule = rule;
  state.tab = tab || state.tab || 'view';
  $('#welcome').hidden = true;
  $('#rule').hidden = false;
  $('#rule-title').textContent = rule.title || rule.id;
  $('#rule-id').textContent = rule.id;
  $('#rule-doc').textContent = pack.document + ' ' + (pack.document_title || '');
  renderPacks();
  renderView();
  renderForm();
  $('#sim-result').replaceChildren();
  if (changedPack) { loadEditor(); renderTests(); }
  renderSource(pack);
  showCite(rule.cite, pack.pack);
  selectTab(state.tab);
}

function selectTab(tab) {
  state.tab = tab;
  for (const b of document.querySelectorAll('.tabs button')) b.setAttribute('aria-selected', String(b.dataset.tab === tab));
  for (const p of document.querySelectorAll('.pane')) p.classList.toggle('shown', p.dataset.pane === tab);
  if (state.rule) history.replaceState(null, '', '#rule=' + encodeURIComponent(state.rule.id) + '&tab=' + tab);
  if (tab === 'scenarios') loadScenarioList();
}

function yamlOf(pack, rule) {
  const text = pack.text || '';
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l === '  ' + rule.name + ':');
  if (start < 0) return null;
  let end = start + 1;
  while (end < lines.length && (lines[end] === '' || lines[end].startsWith('   '))) end++;
  return { from: start + 1, text: lines.slice(start, end).join('\n').replace(/\s+$/, '') };
}

// A rule's body (or one version's): its table as a grid, or its formula's steps.
function renderBody(pane, rule, b, pack) {
  if (b.table) {
    const tb = b.table;
    pane.append(el('h3', {}, t('table'), ' ', el('span', { class: 'pill' }, t('hit'), ': ', tb.hit, tb.aggregate ? ' ' + tb.aggregate : '')));
    const head = el('tr', {}, el('th', {}, '#'), tb.inputs.map((n) => el('th', {}, n)), tb.guarded ? el('th', {}, t('condition_if')) : null,
      tb.outputs.map((n) => el('th', { class: 'out' }, n)), el('th', {}, t('citation')));
    const body = tb.rows.map((row) => el('tr', {
      dataset: { row: row.row },
      onclick: (ev) => {
        for (const r of pane.querySelectorAll('tr.picked')) r.classList.remove('picked');
        ev.currentTarget.classList.add('picked');
        showCite(row.cite || rule.cite, pack.pack);
      },
    }, el('td', {}, row.row),
    row.when.map((w) => el('td', { class: w === null ? 'any' : null }, w === null ? t('any') : w)),
    tb.guarded ? el('td', {}, row.if ? el('code', {}, row.if) : '') : null,
    row.outputs.map((o) => el('td', {}, typeof o === 'object' ? t('computed') : o)),
    el('td', { class: 'clause' }, row.cite ? row.cite.clause + (row.cite.line ? ' L' + row.cite.line : '') : '')));
    if (tb.default) {
      body.push(el('tr', {}, el('td', {}, '—'), tb.inputs.map(() => el('td', { class: 'any' }, t('default'))), tb.guarded ? el('td', {}) : null,
        tb.default.map((d) => el('td', {}, d)), el('td', {})));
    }
    pane.append(el('table', { class: 'grid' }, el('thead', {}, head), el('tbody', {}, body)));
  }
  if (b.formula && b.formula.lets.length) {
    pane.append(el('h3', {}, t('formula')), el('p', {}, t('steps'), '：', b.formula.lets.map((n) => el('code', {}, n, ' '))));
  }
}

function renderView() {
  const { rule, pack } = state;
  const pane = $('#pane-view');
  pane.replaceChildren();
  pane.append(el('h3', {}, t('citation')), citeBox(rule.cite, pack.pack));
  pane.append(el('p', { class: 'meta' }, t('valid'), '：', pack.valid.from, ' – ', pack.valid.until || '…'));
  pane.append(el('h3', {}, t('inputs')), el('table', {},
    el('thead', {}, el('tr', {}, el('th', {}, t('name')), el('th', {}, t('type')), el('th', {}, t('default')))),
    el('tbody', {}, rule.inputs.map((i) => el('tr', {}, el('td', {}, el('code', {}, i.name)), el('td', {}, typeText(i.type)), el('td', {}, valueText(i.default)))))));
  pane.append(el('h3', {}, t('outputs')), el('table', {},
    el('thead', {}, el('tr', {}, el('th', {}, t('name')), el('th', {}, t('type')))),
    el('tbody', {}, rule.outputs.map((o) => el('tr', {}, el('td', {}, el('code', {}, o.name)), el('td', {}, typeText(o.type)))))));
  if (rule.versions && rule.versions.length) {
    for (const v of rule.versions) {
      pane.append(el('h3', { class: 'version' }, t('version'), ' ', v.from, ' – ', v.until || '…', ' ',
        el('button', { class: 'link', onclick: () => showCite(v.cite, pack.pack) }, v.cite.clause)));
      renderBody(pane, rule, v, pack);
    }
  } else {
    renderBody(pane, rule, rule, pack);
  }
  const y = yamlOf(pack, rule);
  if (y) pane.append(el('h3', {}, t('yaml'), ' ', el('small', { class: 'meta' }, pack.file, ':', y.from)), el('pre', { class: 'yaml' }, y.text));
}

// ---------------------------------------------------------------- simulate

// An editor for a value of a type: {node, get() → JSON value or undefined}.
function valueEditor(ty, name, dflt) {
  if (typeof ty === 'object' && ty.optional) return valueEditor(ty.optional, name, dflt);
  if (typeof ty === 'object' && ty.enum) {
    const s = el('select', { name }, el('option', { value: '' }, dflt !== undefined && dflt !== null ? t('default') + ': ' + dflt : t('choose')),
      ty.enum.map((v) => el('option', { value: v }, v)));
    return { node: s, get: () => (s.value === '' ? undefined : s.value) };
  }
  if (typeof ty === 'object' && ty.record) {
    const fields = Object.entries(ty.record).map(([k, ft]) => [k, valueEditor(ft, name + '.' + k)]);
    const node = el('fieldset', { dataset: { record: name } }, fields.map(([k, ed]) => el('label', { class: 'sub' }, el('code', {}, k), ' ', ed.node, ' ')));
    return {
      node,
      get: () => {
        const out = {};
        let any = false;
        for (const [k, ed] of fields) { const v = ed.get(); if (v !== undefined) { out[k] = v; any = true; } }
        return any ? out : undefined;
      },
    };
  }
  if (typeof ty === 'object' && ty.list) {
    const item = ty.list;
    const cols = typeof item === 'object' && item.record ? Object.entries(item.record) : null;
    const rows = [];
    const tbody = el('tbody');
    const addRow = () => {
      const eds = cols ? cols.map(([k, ft]) => [k, valueEditor(ft, name + '[].' + k)]) : [[null, valueEditor(item, name + '[]')]];
      const tr = el('tr', {}, eds.map(([, ed]) => el('td', {}, ed.node)),
        el('td', {}, el('button', { type: 'button', onclick: () => { tr.remove(); rows.splice(rows.indexOf(entry), 1); } }, t('remove'))));
      const entry = { eds };
      rows.push(entry);
      tbody.append(tr);
    };
    const node = el('div', { dataset: { list: name } },
      el('table', { class: 'list' }, cols ? el('thead', {}, el('tr', {}, cols.map(([k]) => el('th', {}, k)), el('th', {}))) : null, tbody),
      el('button', { type: 'button', class: 'add', onclick: addRow }, t('add_row')));
    return {
      node,
      get: () => {
        if (rows.length === 0) return undefined;
        return rows.map(({ eds }) => {
          if (!cols) { const v = eds[0][1].get(); return v === undefined ? null : v; }
          const o = {};
          for (const [k, ed] of eds) { const v = ed.get(); if (v !== undefined) o[k] = v; }
          return o;
        });
      },
    };
  }
  if (ty === 'bool') {
    const s = el('select', { name }, el('option', { value: '' }, t('choose')), el('option', { value: 'true' }, t('yes')), el('option', { value: 'false' }, t('no')));
    return { node: s, get: () => (s.value === '' ? undefined : s.value === 'true') };
  }
  const kinds = { date: 'date', time: 'time', datetime: 'datetime-local' };
  const inp = el('input', {
    name,
    type: kinds[ty] || 'text',
    step: ty === 'datetime' || ty === 'time' ? '1' : null,
    inputmode: ty === 'integer' || ty === 'number' || ty === 'money' || (typeof ty === 'object' && ty.decimal !== undefined) ? 'decimal' : null,
    placeholder: dflt !== undefined && dflt !== null ? String(valueText(dflt)) : (typeof ty === 'string' ? ty : typeText(ty)),
  });
  return {
    node: inp,
    get: () => {
      const v = inp.value.trim();
      if (v === '') return undefined;
      if (ty === 'integer') return /^-?\d{1,15}$/.test(v) ? Number(v) : v;
      if (ty === 'datetime' && v.length === 16) return v + ':00';
      return v; // numbers travel as text: exact, never through binary floating point
    },
  };
}

function defaultAsOf(pack) {
  const today = new Date().toISOString().slice(0, 10);
  if (today >= pack.valid.from && (!pack.valid.until || today <= pack.valid.until)) return today;
  return pack.valid.until || pack.valid.from;
}

function renderForm() {
  const { rule, pack } = state;
  const form = $('#sim-form');
  form.replaceChildren();
  const editors = [];
  for (const i of rule.inputs) {
    const ed = valueEditor(i.type, i.name, i.default);
    editors.push([i.name, ed]);
    form.append(el('label', { class: 'field', for: 'in-' + i.name }, i.name, el('span', { class: 'type' }, typeText(i.type))), ed.node);
    if (ed.node.tagName === 'SELECT' || ed.node.tagName === 'INPUT') ed.node.id = 'in-' + i.name;
  }
  const asOf = el('input', { type: 'date', id: 'sim-as-of', name: 'as_of', value: defaultAsOf(pack) });
  form.append(el('label', { class: 'field', for: 'sim-as-of' }, t('as_of')), asOf);
  form.append(el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', id: 'simulate-run' }, t('evaluate'))));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const inputs = {};
    for (const [n, ed] of editors) { const v = ed.get(); if (v !== undefined) inputs[n] = v; }
    const body = { inputs, trace: true };
    if (asOf.value) body.as_of = asOf.value;
    const r = await api('POST', '/v1/rules/' + encodeURIComponent(rule.id) + '/evaluate', body);
    renderDecision(r);
  };
}

function errorBox(doc) {
  return el('div', { class: 'error-box', role: 'alert' },
    el('strong', {}, doc.code || t('unknown_error')), ' ',
    doc.file ? el('code', {}, doc.file + ':' + doc.line + ':' + doc.column) : null, ' ',
    el('span', { class: 'message' }, doc.message),
    doc.hint || doc.help ? el('div', { class: 'hint' }, t('hint'), '：', doc.hint || doc.help) : null);
}

function renderDecision(r) {
  const box = $('#sim-result');
  box.replaceChildren();
  if (r.status !== 200) { box.append(errorBox(r.json)); return; }
  const d = r.json;
  box.append(el('h3', {}, t('result'), ' ', el('small', { class: 'meta' }, t('as_of'), ' ', d.as_of || '', ' · ', t('ruleset'), ' ', d.ruleset || '')));
  box.append(el('table', { class: 'outputs', id: 'sim-outputs' },
    el('tbody', {}, Object.entries(d.outputs).map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', { class: 'value', dataset: { output: k } }, valueText(v)))))));
  box.append(el('h3', {}, t('trace')));
  box.append(el('ol', { class: 'trace', id: 'sim-trace' }, (d.trace || []).map((s) => el('li', { style: 'margin-left:' + (s.depth || 0) * 18 + 'px' },
    el('span', { class: 'kind' }, s.kind), ' ', el('strong', {}, s.name), ' ',
    s.detail ? el('span', { class: 'detail' }, s.detail) : null,
    s.value !== undefined ? el('code', {}, ' = ', valueText(s.value)) : null,
    s.cite ? citeBox(s.cite, (s.rule || '').split('.')[0]) : null))));
}

// ---------------------------------------------------------------- tests

async function runTests() {
  $('#tests-result').replaceChildren(el('p', { class: 'meta' }, t('checking')));
  const r = await api('POST', '/v1/tests');
  state.lastTests = r.json;
  renderTests();
}

function renderTests() {
  const box = $('#tests-result');
  box.replaceChildren();
  if (!state.pack) return;
  const pack = state.pack;
  box.append(el('p', { class: 'meta' }, t('tests_of', { n: pack.tests.length }), ' · ', t('properties_of', { n: pack.properties.length })));
  const doc = state.lastTests;
  if (!doc || !Array.isArray(doc.tests)) return;
  const mine = (x) => $('#tests-all').checked || (x.location || '').includes(pack.file + ':') || (x.rule || '').startsWith(pack.pack + '.');
  let rows = doc.tests.filter(mine);
  const p = rows.filter((x) => x.passed).length;
  const f = rows.length - p;
  if ($('#tests-failed').checked) rows = rows.filter((x) => !x.passed);
  box.append(el('p', { id: 'tests-count', class: f ? 'err' : 'ok-text' }, t('tests_count', { p, f })));
  box.append(el('table', {}, el('thead', {}, el('tr', {}, ['test', 'rule', 'location', 'status', 'message'].map((k) => el('th', {}, t(k))))),
    el('tbody', {}, rows.map((x) => el('tr', {}, el('td', {}, x.name), el('td', {}, el('code', {}, x.rule)), el('td', {}, el('code', {}, x.location)),
      el('td', {}, el('span', { class: 'pill ' + (x.passed ? 'good' : 'bad') }, x.passed ? t('passed') : t('failed'))), el('td', {}, x.message || ''))))));
}

// ---------------------------------------------------------------- scenarios

async function loadScenarioList() {
  const pick = $('#scenario-pick');
  if (pick.options.length) return;
  const r = await api('GET', '/v1/scenarios');
  const names = Array.isArray(r.json) ? r.json : [];
  if (!names.length) { $('#scenario-result').replaceChildren(el('p', { class: 'meta' }, t('no_scenarios'))); return; }
  for (const n of names) pick.append(el('option', { value: n }, n));
  const guess = state.pack && names.find((n) => n.startsWith(state.pack.pack));
  if (guess) pick.value = guess;
}

async function runScenario() {
  const name = $('#scenario-pick').value;
  if (!name) return;
  $('#scenario-result').replaceChildren(el('p', { class: 'meta' }, t('checking')));
  const r = await api('POST', '/v1/scenarios/run', { scenario: name, lang: state.lang });
  state.lastScenario = r;
  renderScenario();
}

function renderScenario() {
  const box = $('#scenario-result');
  const r = state.lastScenario;
  box.replaceChildren();
  if (!r) return;
  if (r.status !== 200) { box.append(errorBox(r.json)); return; }
  const d = r.json;
  const s = d.summary || {};
  box.append(el('h3', {}, d.title || d.scenario));
  box.append(el('p', { class: 'counts' },
    el('span', {}, t('figures'), ' ', s.figures, ' (', t('disagree_n', { n: s.figures_disagree }), ')'),
    el('span', {}, t('facts'), ' ', s.facts, ' (', t('disagree_n', { n: s.facts_disagree }), ')'),
    el('span', {}, t('checks'), ' ', s.checks, ' (', t('disagree_n', { n: s.checks_fail }), ')')));
  const only = $('#scenario-disagree').checked;
  const claims = (d.claims || []).filter((c) => !only || c.status !== 'agrees');
  const packOf = (c) => { const doc = c.cite && c.cite.document; const p = state.packs.find((x) => x.document === doc); return p ? p.pack : null; };
  const zh = state.lang === 'zh';
  const claimRow = (c) => {
    const note = zh ? c.note_zh : c.note;
    return el('tr', { dataset: { status: c.status }, onclick: () => showCite(c.cite, packOf(c)) },
      el('td', {}, el('code', {}, c.id)),
      el('td', {}, c.cite ? c.cite.clause + (c.cite.line ? ' L' + c.cite.line : '') : ''),
      el('td', {}, valueText(c.printed)),
      el('td', {}, c.printed_formula ? c.printed_formula.formula + ' = ' + valueText(c.printed_formula.result && c.printed_formula.result.value) : ''),
      el('td', {}, c.engine && c.engine.result ? valueText(c.engine.result.value) : ''),
      el('td', {}, el('span', { class: 'pill ' + (c.status === 'agrees' ? 'good' : 'bad') }, t(c.status))),
      el('td', {}, ((zh ? c.findings_zh : c.findings) || []).join('；'), note ? el('div', { class: 'meta' }, note) : null));
  };
  const heads = ['claims', 'citation', 'printed', 'printed_formula', 'engine', 'status', 'findings'];
  box.append(el('table', { id: 'claims' },
    el('thead', {}, el('tr', {}, heads.map((k) => el('th', {}, t(k))))),
    el('tbody', {}, claims.map(claimRow))));
  box.append(el('details', {}, el('summary', {}, t('report_text')), el('pre', { class: 'report' }, d.text || '')));
}

// ---------------------------------------------------------------- editor

function loadEditor() {
  const pack = state.pack;
  $('#editor-file').textContent = pack.file;
  state.editorText = pack.text || '';
  $('#editor-text').value = state.editorText;
  $('#editor-text').readOnly = !pack.editable;
  $('#editor-save').disabled = !pack.editable;
  $('#save-status').textContent = pack.editable ? '' : t('not_editable');
  $('#save-status').className = '';
  renderDiagnostics([]);
  $('#editor-state').textContent = '';
}

function renderGutter(bad) {
  const n = $('#editor-text').value.split('\n').length;
  const g = $('#editor-gutter');
  g.replaceChildren();
  for (let i = 1; i <= n; i++) {
    const msg = bad.get(i);
    g.append(msg ? el('span', { class: 'bad', title: msg, dataset: { line: i } }, i) : String(i), '\n');
  }
  g.scrollTop = $('#editor-text').scrollTop;
}

function goToLine(line, column) {
  const ta = $('#editor-text');
  const lines = ta.value.split('\n');
  let pos = 0;
  for (let i = 0; i < Math.min(line - 1, lines.length); i++) pos += lines[i].length + 1;
  pos += Math.max(0, (column || 1) - 1);
  ta.focus();
  ta.setSelectionRange(pos, pos);
  ta.scrollTop = Math.max(0, (line - 5) * 18);
}

function renderDiagnostics(list) {
  const file = state.pack ? state.pack.file : '';
  const bad = new Map();
  const ol = $('#diagnostics');
  ol.replaceChildren();
  for (const d of list) {
    const here = (d.file || '').endsWith(file);
    if (here && d.line) bad.set(d.line, (bad.get(d.line) ? bad.get(d.line) + '\n' : '') + d.message);
    ol.append(el('li', { class: 'err', onclick: () => here && goToLine(d.line, d.column) },
      el('code', {}, (d.file || '') + ':' + d.line + ':' + d.column), ' ', el('span', { class: 'message' }, d.message),
      d.help ? el('span', { class: 'help' }, t('hint'), '：', d.help) : null));
  }
  renderGutter(bad);
}

function scheduleCheck() {
  clearTimeout(state.checkTimer);
  $('#editor-state').textContent = t('checking');
  $('#editor-state').className = '';
  state.checkTimer = setTimeout(checkNow, 350);
}

async function checkNow() {
  const seq = ++state.checkSeq;
  const r = await api('POST', '/v1/check', { file: state.pack.file, text: $('#editor-text').value });
  if (seq !== state.checkSeq) return; // a later edit is being checked
  const diags = (r.json && r.json.diagnostics) || [];
  const ok = r.status === 200 && r.json.ok;
  $('#editor-state').textContent = ok ? t('loads') : t('not_loads', { n: diags.length || 1 });
  $('#editor-state').className = ok ? 'good' : 'bad';
  renderDiagnostics(ok ? [] : (diags.length ? diags : [{ file: '', line: 0, column: 0, message: r.json.message || String(r.status) }]));
}

async function save() {
  const status = $('#save-status');
  if (!$('#token').value.trim()) { status.textContent = t('need_token'); status.className = 'bad'; return; }
  const text = $('#editor-text').value;
  const r = await api('POST', '/v1/save', { file: state.pack.file, text }, true);
  if (r.status === 200 && r.json.ok) {
    const said = r.json.previous ? t('saved', { p: r.json.previous }) : t('saved_new');
    const id = state.rule.id;
    state.packDocs.clear();
    await loadPacks();
    await packDoc(id.split('.')[0], true);
    state.pack = null;
    await openRule(id, 'edit');
    $('#save-status').textContent = said;
    $('#save-status').className = 'good';
    refreshHealth();
  } else {
    status.textContent = t('save_refused') + (r.json.message || r.status);
    status.className = 'bad';
    if (r.json.diagnostics) renderDiagnostics(r.json.diagnostics);
  }
}

// ---------------------------------------------------------------- the rest

async function refreshHealth() {
  try {
    const r = await api('GET', '/healthz');
    const h = $('#health');
    const ok = r.json.status === 'ok';
    h.className = 'health ' + (ok ? 'ok' : 'degraded');
    h.textContent = (ok ? t('healthy') : t('degraded')) + ' · ' + t('ruleset') + ' ' + r.json.ruleset;
    h.title = r.json.reload_error ? r.json.reload_error.message : '';
    // a change of the folder that did not load: the old rules keep serving,
    // and its located error shows on every view until an edit loads
    const detail = $('#health-detail');
    if (r.json.reload_error) detail.replaceChildren(el('div', {}, el('strong', {}, t('degraded'))), errorBox(r.json.reload_error));
    else detail.replaceChildren();
  } catch (_) { /* the next poll tells */ }
}

function applyLang() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-placeholder]')) e.placeholder = t(e.dataset.i18nPlaceholder);
  $('#lang').textContent = t('lang');
  document.title = 'ordinance ' + t('workbench');
  if (state.rule) { renderView(); renderForm(); renderTests(); renderScenario(); }
  refreshHealth();
}

function route() {
  const m = new URLSearchParams(location.hash.slice(1));
  const id = m.get('rule');
  if (id && (!state.rule || state.rule.id !== id)) openRule(id, m.get('tab') || state.tab);
  else if (id && m.get('tab') && m.get('tab') !== state.tab) selectTab(m.get('tab'));
}

function init() {
  $('#token').value = sessionStorage.getItem('ordinance.token') || '';
  $('#token').addEventListener('change', () => sessionStorage.setItem('ordinance.token', $('#token').value.trim()));
  $('#lang').addEventListener('click', () => {
    state.lang = state.lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('ordinance.lang', state.lang);
    applyLang();
  });
  $('#print').addEventListener('click', () => window.print());
  $('#filter').addEventListener('input', renderPacks);
  for (const b of document.querySelectorAll('.tabs button')) b.addEventListener('click', () => selectTab(b.dataset.tab));
  $('#tests-run').addEventListener('click', runTests);
  $('#tests-failed').addEventListener('change', renderTests);
  $('#tests-all').addEventListener('change', renderTests);
  $('#scenario-run').addEventListener('click', runScenario);
  $('#scenario-disagree').addEventListener('change', renderScenario);
  const ta = $('#editor-text');
  ta.addEventListener('input', scheduleCheck);
  ta.addEventListener('scroll', () => { $('#editor-gutter').scrollTop = ta.scrollTop; });
  ta.addEventListener('keydown', (ev) => {
    if (ev.key === 'Tab') { ev.preventDefault(); ta.setRangeText('  ', ta.selectionStart, ta.selectionEnd, 'end'); scheduleCheck(); }
    if ((ev.ctrlKey || ev.metaKey) && ev.key === 's') { ev.preventDefault(); save(); }
  });
  $('#editor-save').addEventListener('click', save);
  $('#editor-revert').addEventListener('click', () => { ta.value = state.editorText; scheduleCheck(); });
  window.addEventListener('hashchange', route);
  applyLang();
  setInterval(refreshHealth, 5000);
  loadPacks().then(route);
}

document.addEventListener('DOMContentLoaded', init);
