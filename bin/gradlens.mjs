#!/usr/bin/env node
// The gradlens command line; `gradlens --help` says what it does.
import { main } from '../cli/main.js';

process.exitCode = await main(process.argv.slice(2));
