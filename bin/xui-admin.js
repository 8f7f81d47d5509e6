#!/usr/bin/env node
// Thin launcher: the CLI is built into one file by `npm install` (through `prepare`); see
// scripts/build.mjs.
import "../dist/cli/xui-admin.mjs";
