import tseslint from 'typescript-eslint';

// Pure layers: the same code runs in the CLI, in tests and in the browser.
const pureFolders = ['addr', 'model', 'parse', 'engine', 'intent', 'lint', 'verify', 'plan', 'render'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: pureFolders.map((f) => `src/${f}/**/*.ts`),
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'child_process', 'os', 'path', 'process'], message: 'pure layer: no Node.js modules (use src/host)' },
          { group: ['**/host/**', '**/cli/**'], message: 'pure layer: must not depend on host/ or cli/' },
        ],
      }],
      'no-restricted-globals': ['error', { name: 'process', message: 'pure layer: no process access' }],
    },
  },
);
