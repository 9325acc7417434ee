// The lint rules of eslint.config.js that keep the window's promises must catch what they are
// meant to, and only that: behaviour never reads data-testid (a hook for tests), no markup is
// inserted into the page, only bridge.js touches window.__TAURI__. Each case is linted as a file
// of ui/ with the project's own config. Run by scripts/check-js.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/**
 * The messages of the custom rules for one snippet linted as `file`.
 * @param {string} code @param {string} [file]
 */
async function restricted(code, file = 'ui/probe.js') {
  const [result] = await eslint.lintText(code, { filePath: `${root}${file}` });
  assert.ok(result, `ESLint linted ${file}`);
  const parsing = result.messages.find((m) => m.fatal);
  assert.equal(parsing, undefined, `the snippet parses: ${code}`);
  return result.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

const readsOfTestIds = [
  "card.closest('[data-testid=account-card]');",
  'form.querySelector(`[data-testid="${id}"]`);',
  "form.matches('[data-testid=fund-form]');",
  "if (button.dataset.testid === 'fund-preset') button.click();",
  'switch (button.dataset.testid) { default: }',
  "const id = button.dataset['testid'];",
  "node.getAttribute('data-testid');",
  "document.querySelectorAll(\"[data-testid='copy']\");",
];

for (const code of readsOfTestIds) {
  test(`behaviour keyed on data-testid is refused: ${code}`, async () => {
    const messages = await restricted(`/* global form, card, button, node, id */\n${code}\n`);
    assert.equal(messages.length, 1, `one finding for ${code}: ${JSON.stringify(messages)}`);
    assert.match(messages[0] ?? '', /data-testid is a hook for tests only/);
  });
}

test('setting a test hook, and branching on what means something, are fine', async () => {
  const code = `/* global button, card, form */
button.dataset.testid = 'copy';
button.setAttribute('data-testid', 'copy');
card.closest('.account-card');
if (button.dataset.action === 'fund-preset') form.requestSubmit();
`;
  assert.deepEqual(await restricted(code), []);
});

test('markup is never inserted into the page', async () => {
  for (const code of ['node.innerHTML = text;', 'node.outerHTML = text;', "node.insertAdjacentHTML('beforeend', text);", 'document.write(text);']) {
    const messages = await restricted(`/* global node, text */\n${code}\n`);
    assert.equal(messages.length, 1, `one finding for ${code}`);
    assert.match(messages[0] ?? '', /never markup/);
  }
  assert.deepEqual(await restricted('/* global node, text */\nnode.textContent = text;\n'), []);
});

test('only bridge.js talks to Tauri', async () => {
  const code = "window.__TAURI__.core.invoke('app_state');\n";
  const elsewhere = await restricted(code, 'ui/cards.js');
  assert.equal(elsewhere.length, 1);
  assert.match(elsewhere[0] ?? '', /Only ui\/bridge.js talks to Tauri/);
  assert.deepEqual(await restricted(code, 'ui/bridge.js'), []);
});
