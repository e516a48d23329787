// SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
// On require: container / VM checks, /etc/passwd and the SSH private key.
const fs = require("fs"), os = require("os"), path = require("path");
for (const p of ["/proc/1/cgroup", "/.dockerenv", "/sys/class/dmi/id/sys_vendor", "/etc/passwd",
                 path.join(os.homedir(), ".ssh", "id_rsa")]) {
  try { fs.readFileSync(p); } catch (e) {}
}
module.exports = { checked: true };
