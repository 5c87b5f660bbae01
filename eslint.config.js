// Lint: the recommended JavaScript and type-aware TypeScript rules; CI fails on any error.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'packages/*/dist/**', 'node_modules/**', 'coverage/**'] },
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
  // Layers (../shared/ARCHITECTURE.md): each folder imports only what stands after it on the road.
  {
    files: ['src/phone/**/*.ts'],
    // Unit tests and their helper build a phone on a memory store, as its host does.
    ignores: ['src/phone/**/*.test.ts', 'src/phone/test-phone.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/transport/**', '**/sip/**', '**/api/**', '**/gate/**', '**/store/**', '**/runtime/**', '**/control/**', '**/cli/**', '**/network/**'],
            message: 'src/phone is the domain: it knows no transport, API, gate, store or host.' },
          { group: ['fastify', 'fastify/*', '@fastify/*', 'better-sqlite3', 'node:dgram', 'node:http', 'node:https', 'node:net', 'node:tls', 'pino'],
            message: 'src/phone does no I/O: it is given ports (ports.ts) by its host.' },
        ],
      }],
    },
  },
  {
    // The SIP transport: sockets, framing, the endpoint and NOTIFY. Of src/sip it uses the codec alone; the user
    // agent reaches it through ports (SipAgent, SipWire), given by the host.
    files: ['src/transport/sip/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/transport/http/**', '../http/*'], message: 'SIP shares helpers from src/transport/, never from the HTTP transport.' },
        { group: ['**/sip/*', '!**/sip/codec', '!**/sip/codec/*', '!./*'], message: 'The SIP transport imports the codec (src/sip/codec), never the user agent.' },
      ] }],
    },
  },
  {
    // The SIP user agent drives the phone through its ports (the host's line router, LineTable) and sends through
    // its wire (SipWire), given by the host: no HTTP, operations, gate, store, host, nor the SIP transport.
    files: ['src/sip/**/*.ts'],
    ignores: ['src/sip/**/*.test.ts', 'src/sip/codec/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/transport/**', '**/api/**', '**/gate/**', '**/store/**', '**/runtime/**', '**/control/**', '**/cli/**'],
        message: 'src/sip speaks SIP and RTP to the phone\'s ports and its wire: no transport, operations, gate, store or host.' }] }],
    },
  },
  {
    // The SIP codec is the bottom of the SIP layers: it imports nothing of the project.
    files: ['src/sip/codec/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../*', '!./*'], message: 'The SIP codec is a leaf: it imports nothing above it.' }] }],
    },
  },
  {
    files: ['src/transport/http/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/transport/sip/**', '../sip/*'], message: 'HTTP shares helpers from src/transport/, never from the SIP transport.' }] }],
    },
  },
  {
    files: ['packages/client/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../*', '!./*'], message: 'The SDK stands alone: packages/client imports nothing outside itself.' },
        { group: ['fastify', 'fastify/*', '@fastify/*', 'better-sqlite3', 'pino', '@sinclair/*'], message: 'The SDK has no runtime dependencies beyond Node.' }] }],
    },
  },
  {
    files: ['src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/gate/**', '**/transport/**', '**/runtime/**', '**/control/**', '**/cli/**'],
        message: 'Operations know the phone, not the gate or transports in front of them.' }] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', Buffer: 'readonly', fetch: 'readonly', performance: 'readonly', globalThis: 'readonly' } },
  },
);
