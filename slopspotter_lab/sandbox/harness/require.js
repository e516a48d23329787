// Import phase (Node): require() the installed package from the app directory, as a user would.
const name = process.argv[2];
try {
  require(require.resolve(name, { paths: [process.cwd()] }));
  console.log(`required ${name}`);
} catch (err) {
  console.log(`failed to require ${name}: ${err && err.stack ? err.stack.split("\n").slice(0, 4).join("\n") : err}`);
  process.exitCode = 1;
}
