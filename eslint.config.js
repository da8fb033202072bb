// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Templates are user projects with their own dependencies and tooling.
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'packages/sdk/publish/**',
      '.paddock/**',
      'packages/presets/templates/**',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  {
    // The web console runs in the browser. no-undef is off for TypeScript files (the compiler
    // checks names against lib dom); these cover any plain JS added under src/.
    files: ['packages/console/src/**'],
    rules: {
      // The main entry's schemas would pull TypeBox into the bundle whole.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@paddock/shared',
              allowTypeImports: true,
              message: 'Import types only; run-time code comes from @paddock/shared/browser.',
            },
          ],
        },
      ],
    },
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        location: 'readonly',
        history: 'readonly',
        fetch: 'readonly',
        EventSource: 'readonly',
        ResizeObserver: 'readonly',
        requestAnimationFrame: 'readonly',
        TextDecoderStream: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
  },
  {
    files: ['bench/**', 'packages/cli/**', 'scripts/**', '**/test/**'],
    rules: { 'no-console': 'off' },
  },
);
