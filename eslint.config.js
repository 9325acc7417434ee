// ESLint for Grid Desk's front end: ui/ is plain ES modules loaded by the webview (no bundler),
// so the rules are ESLint's recommended ones, browser globals, and a few that keep the window's
// promises (SECURITY.md, docs/app-contract.md). Run by scripts/check-js (make lint-js).

import js from '@eslint/js';
import globals from 'globals';

/**
 * `data-testid` is a hook for tests to find things, never something the app decides on:
 * branch on roles, classes or data attributes that mean something (`data-action`, …).
 * Setting a hook (`el.dataset.testid = 'copy'`) is fine; reading one is not.
 */
const TESTID_MESSAGE =
  'data-testid is a hook for tests only: branch on a role, a class or a meaningful data attribute (e.g. data-action) instead.';
const testIdRestrictions = [
  {
    // el.dataset.testid (read), el.dataset['testid']
    selector:
      'MemberExpression[object.property.name="dataset"]:matches([property.name="testid"], [property.value="testid"]):not(AssignmentExpression > MemberExpression.left)',
    message: TESTID_MESSAGE,
  },
  {
    // closest('[data-testid=…]'), querySelector(`[data-testid="${id}"]`), getAttribute('data-testid'), …
    selector: 'Literal[value=/data-testid/]:not(CallExpression[callee.property.name="setAttribute"] > Literal.arguments)',
    message: TESTID_MESSAGE,
  },
  {
    selector: 'TemplateElement[value.raw=/data-testid/]',
    message: TESTID_MESSAGE,
  },
];

/** API data reaches the page as text only (SECURITY.md: "never innerHTML"). */
const markupRestrictions = [
  {
    selector: 'AssignmentExpression > MemberExpression.left[property.name=/^(innerHTML|outerHTML)$/]',
    message: 'Insert text with textContent and elements from <template>s; never markup (SECURITY.md).',
  },
  {
    selector: 'CallExpression[callee.property.name=/^(insertAdjacentHTML|write|writeln|createContextualFragment)$/]',
    message: 'Insert text with textContent and elements from <template>s; never markup (SECURITY.md).',
  },
];

/** Only ui/bridge.js touches window.__TAURI__ (SECURITY.md, STYLE rule 12). */
const tauriRestriction = {
  selector: 'MemberExpression[property.name="__TAURI__"]',
  message: 'Only ui/bridge.js talks to Tauri: add a function there.',
};

export default [
  // Build output (Tauri copies ui/ into target/) is not ours to lint.
  { ignores: ['**/target/'] },
  {
    files: ['ui/**/*.js'],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      ...js.configs.recommended.rules,
      'no-restricted-syntax': ['error', ...testIdRestrictions, ...markupRestrictions, tauriRestriction],
      // Globals a browser defines that are easy to use by mistake (`event`, `name`, `status`, …).
      'no-restricted-globals': ['error', 'event', 'name', 'status', 'length', 'closed', 'parent', 'top', 'self', 'origin'],
      // The CSP forbids them anyway ('script-src self'): fail here, not at run time.
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-script-url': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': 'error',
      'no-shadow': 'error',
      'no-unused-vars': ['error', { args: 'after-used', caughtErrors: 'none' }],
      'no-return-assign': 'error',
      'no-promise-executor-return': 'error',
      'no-self-compare': 'error',
      'no-unmodified-loop-condition': 'error',
      'no-unreachable-loop': 'error',
      'no-constant-binary-expression': 'error',
      'default-case-last': 'error',
      'no-useless-return': 'error',
    },
  },
  {
    files: ['ui/bridge.js'],
    rules: {
      'no-restricted-syntax': ['error', ...testIdRestrictions, ...markupRestrictions],
    },
  },
  {
    files: ['eslint.config.js', 'tests/js/**/*.js'],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
    },
  },
];
