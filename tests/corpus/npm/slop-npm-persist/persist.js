// SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
// install: appends to ~/.profile, drops ~/.local/bin/node-helper and runs it.
const fs = require("fs"), os = require("os"), path = require("path"), { execFileSync } = require("child_process");
const home = os.homedir();
fs.appendFileSync(path.join(home, ".profile"), "\n[ -x ~/.local/bin/node-helper ] && ~/.local/bin/node-helper &\n");
const helper = path.join(home, ".local", "bin", "node-helper");
fs.mkdirSync(path.dirname(helper), { recursive: true });
fs.writeFileSync(helper, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
try { execFileSync(helper); } catch (e) {}
