#!/usr/bin/env bash
# Makes tests/data/oletools/xlsb_sheetjs.tsv: the formulas SheetJS (the npm
# package xlsx 0.18.5, Apache-2.0: its own BIFF12 formula reader) reads
# from the records tests/cli/make_xlsb.py writes, for tests/cli/test_ole.sh.
# SheetJS does not read macro sheet parts, so the macro sheet's records are
# given to it as the workbook's worksheet part; lines: cell TAB formula.
# Run from the repository root with the package installed where node finds
# it (e.g. npm install xlsx@0.18.5 in a scratch folder, NODE_PATH=that
# folder/node_modules):
#   tests/data/oletools/make_xlsb_golden.sh
# SPDX-License-Identifier: Apache-2.0
set -euo pipefail
d=$(cd "$(dirname "$0")" && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
/usr/bin/python3 "$d/../../cli/make_xlsb.py" "$d/excel4_sample_macro.xlsb" "$t/m.xlsb"
/usr/bin/python3 - "$t/m.xlsb" "$t/w.xlsb" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
with zipfile.ZipFile(sys.argv[2], "w") as o:
    for n in z.namelist():
        o.writestr(n, z.read("xl/macrosheets/sheet1.bin" if n == "xl/worksheets/sheet1.bin" else n))
PY
{
echo "# made by tests/data/oletools/make_xlsb_golden.sh (SheetJS xlsx $(node -p 'require("xlsx").version'))"
node -e '
const X = require("xlsx");
const s = X.readFile(process.argv[1], {cellFormula: true}).Sheets["Sheet1"];
for (const k of Object.keys(s)) if (k[0] !== "!") console.log(k + "\t" + s[k].f);
' "$t/w.xlsb"
} >"$d/xlsb_sheetjs.tsv"
