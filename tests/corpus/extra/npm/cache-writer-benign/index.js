// Synthetic test package (slopspotter-lab); harmless imitation.
const fs = require("fs"), os = require("os"), path = require("path");
const dir = path.join(os.tmpdir(), "cache-writer-benign");
try { fs.mkdirSync(dir, {recursive: true}); fs.writeFileSync(path.join(dir, "stamp"), String(Date.now())); } catch (e) {}
module.exports = {dir};
