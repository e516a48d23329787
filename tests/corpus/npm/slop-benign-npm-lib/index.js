// SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
const fs = require("fs"), os = require("os"), path = require("path");
const cacheFile = path.join(os.tmpdir(), "slop-benign-npm-lib.json");
fs.writeFileSync(cacheFile, JSON.stringify({ host: os.hostname(), platform: os.platform() }));
module.exports = { slug: (s) => s.toLowerCase().replace(/\s+/g, "-") };
