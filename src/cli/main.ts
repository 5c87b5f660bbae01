/** The `polysim` command: runs the CLI on this process's arguments and streams. */
import { processIo } from './io.js';
import { main } from './program.js';

const code = await main(process.argv.slice(2), processIo());
// A failure ends the process at once (a half-started fleet may hold sockets); success lets a started phone run.
if (code !== 0) process.exit(code);
