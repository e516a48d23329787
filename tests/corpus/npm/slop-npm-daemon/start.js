// SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
// postinstall: starts a detached node -e child that outlives npm, waits, then connects to a
// TEST-NET address (redirected to the sandbox sinkhole).
const { spawn } = require("child_process");
const code = "setTimeout(()=>{const s=require('net').connect(8080,'203.0.113.9',()=>{s.end('GET / HTTP/1.0\\r\\n\\r\\n')});s.on('error',()=>{})},1500);setTimeout(()=>{},30000)";
spawn(process.execPath, ["-e", code], { detached: true, stdio: "ignore" }).unref();
