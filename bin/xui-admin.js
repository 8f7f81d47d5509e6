#!/usr/bin/env node
// Thin launcher: the CLI is built into one file by `npm install` (through `prepare`; see
// scripts/build.mjs) and run from V8's code cache of an earlier call (src/cli/code-cache.ts).
// A cache holds what the call that made it compiled: one per command, so that each command
// finds its own functions there. CommonJS (bin/package.json), as the bundle is: an ES module
// here would start Node's ES module loader, ~10 ms of every call.
"use strict";
const { join } = require("node:path");
const { runWithCodeCache } = require("../dist/cli/code-cache.cjs");

const bundle = join(__dirname, "../dist/cli/xui-admin.cjs");
const command = process.argv[2] ?? "";
const { save } = runWithCodeCache(bundle, `${bundle}.${/^[a-z][a-z-]{0,31}$/.test(command) ? command : "other"}.cache`);
process.once("exit", save);
