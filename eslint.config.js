// Lint configuration: typescript-eslint's recommended rules, plus the ones our style relies on.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'data/**',
      'backups/**',
      'coverage/**',
      'db/migrations/**',
      '.tmp/**',
      'dist/**',
      '.vercel/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Node globals the plain .mjs scripts use (TypeScript files get them from @types/node).
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // What a function loads on a cold start (docs/decisions/0015): @vercel/node is the local dev
    // runtime (its import alone took 0.7 s), so handlers take only its types; Drizzle took 0.5–1.25 s
    // to load on Node 24, so the request path never loads it (the store runs hand-written SQL,
    // docs/decisions/0014; only the migrator and the schema, for drizzle-kit, import it).
    files: ['api/**/*.ts', 'lib/**/*.ts', 'db/**/*.ts'],
    ignores: ['db/migrate.ts', 'db/schema.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@vercel/node', allowTypeImports: true, message: 'Types only: @vercel/node is not the runtime.' },
          ],
          patterns: [
            {
              group: ['drizzle-orm', 'drizzle-orm/*'],
              allowTypeImports: true,
              message: 'Not on the request path: Drizzle takes 0.5-1 s to load on Node 24 (docs/decisions/0015).',
            },
          ],
        },
      ],
    },
  },
);
