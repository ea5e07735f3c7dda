// The workbench in a real browser: Debian's headless Chromium, driven by
// playwright-core, against `ordinance serve` on a free loopback port over a
// copy of the rules. It picks a rule, reads it beside the law, simulates
// it, breaks the pack in the editor and sees the located error, fixes it,
// saves, and sees the new result served.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, cpSync, readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const bin = process.env.ORDINANCE_BIN || join(repo, 'target/debug/ordinance');
const token = 'e2e-' + process.pid;
const rules = mkdtempSync(join(tmpdir(), 'ordinance-e2e-'));
cpSync(join(repo, 'rules'), rules, { recursive: true });
const pack = join(rules, 'energy_safety.yaml');
const original = readFileSync(pack, 'utf8');
// the line of the formula the test edits, found in the pack, not typed
const formulaLine = original.split('\n').findIndex((l) => l.includes('visits_per_year: cycle.visits_per_period * cycle.periods_per_year')) + 1;

let server, base, browser, page;
const problems = [];

before(async () => {
  assert.ok(formulaLine > 0, 'the pack still has the formula this test edits');
  server = spawn(bin, ['serve', '--rules', rules, '--listen', '127.0.0.1:0', '--token', token,
    '--scenarios', join(repo, 'examples'), '--watch', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  base = await new Promise((ok, fail) => {
    let err = '';
    const timer = setTimeout(() => fail(new Error('the service did not start: ' + err)), 60000);
    server.stderr.on('data', (d) => {
      err += d;
      // the whole address: stderr may arrive in pieces, so wait for the text after it
      const m = /serving on (http:\/\/[0-9.]+:[0-9]+) /.exec(err);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    server.on('exit', (code) => fail(new Error('the service stopped (' + code + '): ' + err)));
  });
  // a fresh profile each run (the persistent context's user-data-dir)
  browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'ordinance-chromium-')), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  page = browser.pages()[0] || await browser.newPage();
  page.setDefaultTimeout(20000);
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  // the answers the tests ask for on purpose (422: a bad input, a refused save) are not problems
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 422/.test(m.text())) problems.push('console: ' + m.text());
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill('SIGINT');
});

const highlighted = () => page.$$eval('#source-lines .ln.hl', (ls) => ls.map((l) => l.textContent.replace(/^\d+/, '')).join('').replace(/\s+/g, ''));

test('pick inspection_frequency: its citation and the words of 三(四)1, highlighted at their lines', async () => {
  await page.goto(base + '/');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN', 'Chinese first');
  await page.click('#packs details[data-pack="energy_safety"] summary');
  await page.click('a[data-rule="energy_safety.inspection_frequency"]');
  await page.waitForSelector('#rule-id:has-text("energy_safety.inspection_frequency")');
  assert.match(await page.textContent('#pane-view .cite .where'), /三\(四\)1/);
  await page.waitForSelector('#source-lines .ln.hl');
  assert.ok((await highlighted()).includes('对长期停产停工的D类企业要每月巡查盯守'), await highlighted());
});

test('a table row shows its own words: supervision_cycle row 3 → the D-class sentence', async () => {
  await page.click('a[data-rule="energy_safety.supervision_cycle"]');
  await page.click('#pane-view table.grid tbody tr[data-row="3"]');
  const words = await highlighted();
  assert.ok(words.includes('D类企业要每月巡查盯守'), words);
  assert.ok(!words.startsWith('保障程度较高的A类'), 'only the row\'s lines: ' + words);
  await page.click('a[data-rule="energy_safety.inspection_frequency"]');
});

test('simulate class D: patrol, 12 visits a year, and the quote of 三(四)1 in the trace', async () => {
  await page.click('.tabs button[data-tab="simulate"]');
  await page.selectOption('#in-class', 'D');
  await page.click('#simulate-run');
  await page.waitForSelector('#sim-outputs');
  assert.equal(await page.textContent('[data-output="mode"]'), 'patrol');
  assert.equal(await page.textContent('[data-output="visits_per_year"]'), '12');
  const trace = await page.textContent('#sim-trace');
  assert.match(trace, /三\(四\)1/);
  assert.match(trace, /对长期停产停工的 D 类企业要每月巡查盯守/);
  // a trace step's citation shows its lines in the text
  await page.click('#sim-trace li:has-text("row 3") .cite');
  assert.ok((await highlighted()).includes('D类企业要每月巡查盯守'));
  if (process.env.ORDINANCE_SCREENSHOT) {
    mkdirSync(dirname(process.env.ORDINANCE_SCREENSHOT), { recursive: true });
    await page.screenshot({ path: process.env.ORDINANCE_SCREENSHOT });
  }
});

test('a class the rule does not know is a clear error, not a crash', async () => {
  const r = await page.evaluate(async () => (await fetch('/v1/rules/energy_safety.inspection_frequency/evaluate', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ inputs: { class: 'E' } }),
  })).json());
  assert.equal(r.code, 'input');
});

test('break the pack in the editor: the located error in the margin, and save refuses', async () => {
  await page.click('.tabs button[data-tab="edit"]');
  const text = await page.inputValue('#editor-text');
  assert.equal(text, original);
  await page.fill('#editor-text', text.replace('cycle.visits_per_period * cycle.periods_per_year', 'cycle.visits_per_perod * cycle.periods_per_year'));
  await page.waitForSelector('#editor-state.bad');
  const diag = await page.textContent('#diagnostics');
  assert.match(diag, new RegExp('energy_safety\\.yaml:' + formulaLine + ':\\d+'), diag);
  assert.match(diag, /visits_per_perod/);
  assert.match(diag, /visits_per_period/, 'the hint names the field meant');
  await page.waitForSelector('#editor-gutter .bad[data-line="' + formulaLine + '"]');
  await page.fill('#token', token);
  await page.click('#editor-save');
  await page.waitForSelector('#save-status.bad');
  assert.equal(readFileSync(pack, 'utf8'), original, 'a pack that does not load is not written');
  const health = await page.evaluate(async () => (await fetch('/healthz')).json());
  assert.equal(health.status, 'ok', 'the service never saw the broken text');
});

test('fix it, save: written atomically, the previous text kept, the new result served', async () => {
  const text = await page.inputValue('#editor-text');
  await page.fill('#editor-text', text.replace('cycle.visits_per_perod * cycle.periods_per_year', 'cycle.visits_per_period * cycle.periods_per_year * 2'));
  await page.waitForSelector('#editor-state.good');
  assert.equal(await page.$$eval('#editor-gutter .bad', (b) => b.length), 0);
  await page.click('#editor-save');
  await page.waitForSelector('#save-status.good');
  assert.match(readFileSync(pack, 'utf8'), /cycle\.periods_per_year \* 2/);
  assert.ok(existsSync(pack + '.previous'));
  assert.equal(readFileSync(pack + '.previous', 'utf8'), original);
  await page.click('.tabs button[data-tab="simulate"]');
  await page.selectOption('#in-class', 'D');
  await page.click('#simulate-run');
  await page.waitForSelector('[data-output="visits_per_year"]:has-text("24")');
  const served = await page.evaluate(async () => (await fetch('/v1/rules/energy_safety.inspection_frequency/evaluate', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ inputs: { class: 'D' }, as_of: '2024-06-30' }),
  })).json());
  assert.equal(served.outputs.visits_per_year, 24);
});

test('the scenario report filtered to its disagreements', async () => {
  await page.click('.tabs button[data-tab="scenarios"]');
  await page.waitForSelector('#scenario-pick option[value="energy_safety_2024.yaml"]', { state: 'attached' });
  await page.selectOption('#scenario-pick', 'energy_safety_2024.yaml');
  await page.check('#scenario-disagree');
  await page.click('#scenario-run');
  await page.waitForSelector('#claims tbody tr');
  const statuses = await page.$$eval('#claims tbody tr', (rs) => rs.map((r) => r.dataset.status));
  assert.ok(statuses.length > 0);
  assert.ok(statuses.every((s) => s !== 'agrees'), statuses.join());
  assert.match(await page.textContent('#claims'), /不一致/);
  await page.uncheck('#scenario-disagree');
  const all = await page.$$eval('#claims tbody tr', (rs) => rs.length);
  assert.ok(all > statuses.length);
});

test('the tests run from the page; the edit makes the pack\'s own test of class D fail', async () => {
  await page.click('.tabs button[data-tab="tests"]');
  await page.click('#tests-run');
  await page.waitForSelector('#tests-count');
  await page.check('#tests-failed');
  const failed = await page.$$eval('#tests-result tbody tr', (rs) => rs.map((r) => r.textContent));
  assert.ok(failed.length >= 1 && failed.every((f) => f.includes('未通过')), failed.join('\n'));
});

test('English at a click, and back', async () => {
  await page.click('#lang');
  assert.equal(await page.textContent('.tabs button[data-tab="simulate"]'), 'Simulate');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.click('#lang');
  assert.equal(await page.textContent('.tabs button[data-tab="simulate"]'), '模拟');
});

test('a broken edit of the folder shows on the page with its location; the old rules keep serving', async () => {
  const good = readFileSync(pack, 'utf8');
  writeFileSync(pack, good.replace('title: 2024 energy-industry', 'titel: 2024 energy-industry'));
  await page.waitForSelector('#health-detail .error-box', { timeout: 30000 });
  const banner = await page.textContent('#health-detail');
  assert.match(banner, /energy_safety\.yaml:\d+:\d+/, banner);
  assert.match(banner, /titel/);
  assert.equal(await page.getAttribute('#health', 'class'), 'health degraded');
  const served = await page.evaluate(async () => (await fetch('/v1/rules/energy_safety.inspection_frequency/evaluate', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ inputs: { class: 'D' }, as_of: '2024-06-30' }),
  })).json());
  assert.equal(served.outputs.visits_per_year, 24, 'the rules last loaded keep serving');
  writeFileSync(pack, good);
  await page.waitForSelector('#health.ok', { timeout: 30000 });
  assert.equal(await page.$$eval('#health-detail > *', (c) => c.length), 0);
});

test('a rule with dated versions shows each version with its dates and its own table', async () => {
  const dated = [
    'format: 1', 'pack: dated', 'title: dated versions',
    'source: {document: D, title: t, issued_by: i, date: 2024-01-01}', 'valid: {from: 2024-01-01}',
    'rules:', '  visits:', '    cite: {clause: 一, quote: 每季度检查}', '    inputs: {cls: {enum: [A, B]}}',
    '    outputs: {visits: integer}', '    versions:',
    '      - from: 2024-01-01', '        until: 2024-06-30', '        table:', '          hit: unique', '          rows:',
    '            - {when: {cls: A}, then: {visits: 1}}', '            - {when: {cls: B}, then: {visits: 2}}',
    '      - from: 2024-07-01', '        cite: {clause: 草案, quote: 每季度检查3次}', '        table:', '          hit: unique', '          rows:',
    '            - {when: {cls: A}, then: {visits: 1}}', '            - {when: {cls: B}, then: {visits: 3}}', '',
  ].join('\n');
  writeFileSync(join(rules, 'dated.yaml'), dated);
  // the service reloads the folder by itself (--watch 1)
  const deadline = Date.now() + 30000;
  for (;;) {
    const packs = await page.evaluate(async () => (await fetch('/v1/packs')).json());
    if (packs.some((p) => p.pack === 'dated')) break;
    assert.ok(Date.now() < deadline, 'the new pack was not loaded');
    await new Promise((r) => setTimeout(r, 300));
  }
  await page.goto(base + '/');
  await page.click('#packs details[data-pack="dated"] summary');
  await page.click('a[data-rule="dated.visits"]');
  await page.waitForSelector('#pane-view h3.version');
  const heads = await page.$$eval('#pane-view h3.version', (hs) => hs.map((h) => h.textContent));
  assert.equal(heads.length, 2, heads.join(' | '));
  assert.match(heads[0], /2024-01-01 – 2024-06-30/);
  assert.match(heads[1], /2024-07-01 – …/);
  assert.match(heads[1], /草案/);
  assert.equal(await page.$$eval('#pane-view table.grid', (t) => t.length), 2, 'each version its own table');
  // the service answers by date
  const on = async (day) => (await page.evaluate(async (d) => (await fetch('/v1/rules/dated.visits/evaluate', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ inputs: { cls: 'B' }, as_of: d }),
  })).json(), day)).outputs.visits;
  assert.equal(await on('2024-06-30'), 2);
  assert.equal(await on('2024-07-01'), 3);
});

test('no script errors and no blocked resources on the way', () => {
  assert.deepEqual(problems, []);
});
