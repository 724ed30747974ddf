// A plain Node.js program: JavaScript, but not Windows Script Host.
const fs = require("fs");
function main() {
  var data = fs.readFileSync(process.argv[2], "utf8");
  console.log(data.length);
}
main();
