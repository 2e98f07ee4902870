#!/usr/bin/env node
import { main } from './main.js';

const code = await main(process.argv.slice(2));
// a demo instance runs on after main() returns, until its parent tells it to stop
if (process.argv[2] !== 'demo-instance') process.exitCode = code;
