#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx warden …` works from a clone without a build step.
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
