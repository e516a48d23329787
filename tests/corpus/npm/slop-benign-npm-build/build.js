// SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
// BENIGN build step: git --version, /etc/os-release, writes dist/ and a cache file.
const fs = require("fs"), os = require("os"), path = require("path"), { execFileSync } = require("child_process");
let git = "none";
try { git = execFileSync("git", ["--version"]).toString().trim(); } catch (e) {}
let release = "";
try { release = fs.readFileSync("/etc/os-release", "utf8").split("\n")[0]; } catch (e) {}
fs.mkdirSync(path.join(__dirname, "dist"), { recursive: true });
fs.writeFileSync(path.join(__dirname, "dist", "info.json"), JSON.stringify({ git, release }));
const cache = path.join(os.homedir(), ".cache", "slop-benign-npm");
fs.mkdirSync(cache, { recursive: true });
fs.writeFileSync(path.join(cache, "stamp"), "ok");
