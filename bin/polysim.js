#!/usr/bin/env node
// The polysim command: runs the compiled CLI (npm run build, done by `npm ci` and `npm start`).
import '../dist/cli/main.js';
