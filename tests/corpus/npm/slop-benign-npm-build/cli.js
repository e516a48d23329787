#!/usr/bin/env node
// SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
if (process.argv.includes("--help")) { console.log("usage: slop-benign-npm [--help]"); }
