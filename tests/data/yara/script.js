var shell = new ActiveXObject("WScript.Shell");
function run(cmd) {
  return shell.Run(cmd, 0, true);
}
WScript.Echo(run("hostname"));
