#!/usr/bin/env node
/* global require, __dirname, process */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS launcher, run before any build tooling */
'use strict';
// Prefers the single-file bundle (scripts/bundle.mjs); falls back to the tsc build.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'outpost-agent.js');
const entry = existsSync(bundle) ? bundle : join(__dirname, '..', 'dist', 'main.js');
require(entry).main(process.argv.slice(2));
