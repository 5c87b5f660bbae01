// Lint: the recommended JavaScript and type-aware TypeScript rules, and each folder's import zone; CI fails on any error.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The folders of src/ that zones name (transport/http and transport/sip are folders of their own). */
const SRC_FOLDERS = [
  'phone',
  'store',
  'network',
  'api',
  'webapps',
  'gate',
  'transport',
  'transport/http',
  'transport/sip',
  'sip',
  'runtime',
  'control',
  'openapi',
  'compare',
  'cli',
];

/** Import globs that reach a folder of src from anywhere in src. */
const folderGlobs = (folders) => folders.flatMap((f) => (f === 'sip' ? ['../sip/**', '../../sip/**', '../../../sip/**'] : [`**/${f}/**`]));

/** What no file of src imports: tests, scripts, benchmarks, build output, the SDK's sources (its name instead). */
const OUTSIDE_SRC = {
  group: ['**/test/**', '**/scripts/**', '**/bench/**', '**/dist/**', '**/packages/**'],
  message: "src/ is the product: no tests, scripts, benchmarks, build output, or the SDK's sources (import @polysim/client).",
};

/** A folder's zone: the folders its files must not import (unit tests beside the code included, unless ignored). */
function zone(files, forbidden, message, ignores = []) {
  const group = forbidden.flatMap((f) => (f.startsWith('.') ? [f] : folderGlobs([f])));
  return { files, ignores, rules: { 'no-restricted-imports': ['error', { patterns: [{ group, message }, OUTSIDE_SRC] }] } };
}

export default tseslint.config(
  { ignores: ['dist/**', '.test-build/**', 'packages/*/dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // Layers (docs/architecture.md): every folder has a zone, the folders it must not import. The road is
  // transport -> gate -> operation (api) -> phone; the store and the network implement the phone's ports; the host
  // (runtime) wires them; control and cli stand in front of everything. Folder-level cycles: test/layers.test.ts.
  zone(['src/*.ts'], ['./*/**'], 'src/*.ts are leaves (errors, small files, version, the SDK re-export): they import no folder of src.'),
  {
    files: ['src/phone/**/*.ts'],
    // Unit tests and their helper build a phone on a memory store, as its host does.
    ignores: ['src/phone/**/*.test.ts', 'src/phone/test-phone.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/transport/**',
                '**/sip/**',
                '**/api/**',
                '**/gate/**',
                '**/store/**',
                '**/runtime/**',
                '**/control/**',
                '**/cli/**',
                '**/network/**',
                '**/openapi/**',
                '**/compare/**',
              ],
              message: 'src/phone is the domain: it knows no transport, API, gate, store or host.',
            },
            {
              group: [
                'fastify',
                'fastify/*',
                '@fastify/*',
                'better-sqlite3',
                'node:dgram',
                'node:http',
                'node:https',
                'node:net',
                'node:tls',
                'pino',
              ],
              message: 'src/phone does no I/O: it is given ports (ports.ts) by its host.',
            },
            OUTSIDE_SRC,
          ],
        },
      ],
    },
  },
  zone(
    ['src/store/**/*.ts'],
    [...SRC_FOLDERS.filter((f) => f !== 'phone')],
    "src/store implements the phone's PhoneStore port: it knows the phone, nothing in front of it.",
  ),
  zone(
    ['src/network/**/*.ts'],
    [...SRC_FOLDERS.filter((f) => f !== 'phone')],
    "src/network implements the phone's network and transfer ports: it knows the phone, nothing in front of it.",
  ),
  zone(
    ['src/api/**/*.ts'],
    SRC_FOLDERS.filter((f) => f !== 'phone'),
    'Operations know the phone, not the gate or transports in front of them.',
  ),
  zone(
    ['src/webapps/**/*.ts'],
    SRC_FOLDERS.filter((f) => f !== 'phone' && f !== 'api'),
    'The web application interfaces (events, polling, push) are documents and operations on the phone: like src/api, they know operations and the phone, nothing in front.',
  ),
  zone(
    ['src/gate/**/*.ts'],
    SRC_FOLDERS.filter((f) => f !== 'phone' && f !== 'api'),
    'The gate stands between a transport and an operation: it knows operations and the phone, no transport or host.',
  ),
  zone(
    ['src/transport/*.ts'],
    ['./http/**', './sip/**', '../sip/**', ...SRC_FOLDERS.filter((f) => f !== 'phone' && f !== 'transport' && f !== 'sip')],
    'src/transport/*.ts are the helpers both transports share: certificates, TLS, connection budget and guard.',
  ),
  {
    // The SIP transport: sockets, framing, the endpoint and NOTIFY. Of src/sip it uses the codec alone; the user
    // agent reaches it through ports (SipAgent, SipWire), given by the host.
    files: ['src/transport/sip/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/transport/http/**', '../http/*'],
              message: 'SIP shares helpers from src/transport/, never from the HTTP transport.',
            },
            {
              group: ['**/sip/*', '!**/sip/codec', '!**/sip/codec/*', '!./*'],
              message: 'The SIP transport imports the codec (src/sip/codec), never the user agent.',
            },
          ],
        },
      ],
    },
  },
  {
    // The SIP user agent drives the phone through its ports (the host's line router, LineTable) and sends through
    // its wire (SipWire), given by the host: no HTTP, operations, gate, store, host, nor the SIP transport.
    files: ['src/sip/**/*.ts'],
    ignores: ['src/sip/**/*.test.ts', 'src/sip/codec/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/transport/**', '**/api/**', '**/gate/**', '**/store/**', '**/runtime/**', '**/control/**', '**/cli/**'],
              message: "src/sip speaks SIP and RTP to the phone's ports and its wire: no transport, operations, gate, store or host.",
            },
          ],
        },
      ],
    },
  },
  {
    // The SIP codec is the bottom of the SIP layers: it imports nothing of the project but the error catalogue
    // (its parse error is one of polysim's errors), itself a leaf.
    files: ['src/sip/codec/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!\\.\\./errors\\.js$)',
              message: 'The SIP codec is a leaf: it imports nothing above it but the error catalogue.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/transport/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/transport/sip/**', '../sip/*'],
              message: 'HTTP shares helpers from src/transport/, never from the SIP transport.',
            },
            {
              group: ['../../sip/**', ...folderGlobs(['store', 'runtime', 'control', 'cli', 'network', 'openapi', 'compare'])],
              message: 'The HTTP transport feeds the gate: no SIP stack, store, network, host, control API or CLI.',
            },
            OUTSIDE_SRC,
          ],
        },
      ],
    },
  },
  zone(
    ['src/runtime/**/*.ts'],
    ['control', 'cli', 'openapi', 'compare'],
    'src/runtime is the host: it wires phones, stores, transports and the network; the control API and CLI use it, not it them.',
  ),
  zone(
    ['src/control/**/*.ts'],
    ['cli', 'compare', 'store', 'transport/http', 'transport/sip', 'sip', 'api'],
    'The control API drives phones through the host (runtime), their pipeline and events: no transport internals, store, SIP stack or CLI.',
  ),
  zone(
    ['src/openapi/**/*.ts'],
    ['cli', 'runtime', 'store', 'sip', 'transport/sip', 'network', 'gate', 'compare', 'control'],
    'src/openapi generates documents from the operation table: no host, store, SIP, gate or control API (which adds its own part).',
  ),
  zone(
    ['src/compare/**/*.ts'],
    SRC_FOLDERS.filter((f) => f !== 'api' && f !== 'phone'),
    'src/compare compares answers through the SDK against the operation table: nothing of the server.',
  ),
  zone(
    ['src/cli/**/*.ts'],
    ['store', 'sip', 'transport/sip', 'network', 'api', 'openapi'],
    'The CLI starts phones through the host (runtime) and the control API, and talks to them with the SDK.',
  ),
  {
    files: ['packages/client/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../*', '!./*'], message: 'The SDK stands alone: packages/client imports nothing outside itself.' },
            {
              group: ['fastify', 'fastify/*', '@fastify/*', 'better-sqlite3', 'pino', '@sinclair/*'],
              message: 'The SDK has no runtime dependencies beyond Node.',
            },
          ],
        },
      ],
    },
  },
  {
    // The dashboard is a client of the control API, bundled for the browser.
    files: ['ui/**/*.ts', 'ui/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../*'], message: 'The dashboard imports only itself, preact and @polysim/client.' },
            {
              group: ['node:*', 'fastify', 'fastify/*', '@fastify/*', 'better-sqlite3', 'pino'],
              message: 'The dashboard runs in a browser.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.ts', 'scripts/**/*.mjs'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../bench/**', '../dist/**', '../packages/*/src/**'],
              message: 'Scripts build from the sources (src/, and the fuzz harness of test/fuzz), never from build output or benchmarks.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['bench/**/*.mjs', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../src/**', '../test/**', '../scripts/**'],
              message: 'Benchmarks measure the built package (dist/), as users run it.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/bench/**', '**/scripts/**', '**/dist/**', '**/packages/**'],
              message: 'Tests import the sources (src/) and the SDK by its name (@polysim/client), as users do.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        globalThis: 'readonly',
      },
    },
  },
);
