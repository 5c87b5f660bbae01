import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's real root, with a trailing slash, for tests that run programs in it (npm pack, podman build, the
 * docs' shell blocks). The tests run compiled in .test-build/ (scripts/build-tests.mjs), whose package.json is a link
 * to the real one: its real path names the real root from either place.
 */
export const ROOT = `${dirname(realpathSync(fileURLToPath(new URL('../package.json', import.meta.url))))}/`;
