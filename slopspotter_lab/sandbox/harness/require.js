// Import phase (Node): load the installed package from the app directory, as a user would:
// require() it, and for ESM-only packages (ERR_REQUIRE_ESM, no "require" export) import() it.
const fs = require("fs");
const path = require("path");
const { pathToFileURL } = require("url");
const name = process.argv[2];
const dir = path.join(process.cwd(), "node_modules", name);

function esmEntry() {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  let exp = meta.exports;
  if (exp && typeof exp === "object" && "." in exp) exp = exp["."];
  while (exp && typeof exp === "object") exp = exp.import || exp.node || exp.default || Object.values(exp)[0];
  return path.join(dir, typeof exp === "string" ? exp : meta.module || meta.main || "index.js");
}

function report(err) {
  console.log(`failed to load ${name}: ${err && err.stack ? err.stack.split("\n").slice(0, 4).join("\n") : err}`);
  process.exitCode = 1;
}

try {
  require(require.resolve(name, { paths: [process.cwd()] }));
  console.log(`required ${name}`);
} catch (err) {
  if (err && ["ERR_REQUIRE_ESM", "ERR_PACKAGE_PATH_NOT_EXPORTED", "MODULE_NOT_FOUND"].includes(err.code) && fs.existsSync(dir)) {
    import(pathToFileURL(esmEntry()).href).then(() => console.log(`imported ${name} (ESM)`), report);
  } else {
    report(err);
  }
}
