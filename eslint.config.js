// Lint: typescript-eslint's recommended rules and a 140-column line limit. Prettier (.prettierrc.json) formats the
// code to 140 columns; max-len catches the comments it does not wrap (long string literals, e.g. messages, pass).
// `any` is an error in the library (src/); tests, benchmarks, pages and scripts talk to untyped peers (tfjs,
// onnxruntime, page globals) and may use it.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'test-results/**', 'bench-results/**', 'docs/results/**', '.stryker-tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      'max-len': ['error', { code: 140, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**', 'bench/**', 'demos/**', 'scripts/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
