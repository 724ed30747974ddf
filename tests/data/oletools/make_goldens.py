#!/usr/bin/python3
# Makes tests/data/oletools/goldens.tsv: what the reference tools report on
# every file of ../shared/corpora/oletools (except the zipped ones), for
# tests/cli/test_ole.sh. Run from the repository root:
#   /usr/bin/python3 tests/data/oletools/make_goldens.py [CORPUS [REF]]
# olevba runs as its command line does (--json); oleid through its module
# (it has no JSON output). Lines: file, kind, value(s), tab-separated:
#   olevba_type TYPE                 olevba: container type (OLE, OpenXML, Text...)
#   vba yes|no                       olevba: macros found
#   module NAME                      olevba: vba_filename of each module
#   code NAME SHA256                 olevba: SHA-256 of the code it shows
#   autoexec KEYWORD                 olevba analysis, type AutoExec (lower case)
#   suspicious KEYWORD               olevba analysis, type Suspicious (lower case;
#                                    keywords found in decoded strings left out)
#   encrypted True|False             oleid indicator "encrypted"
#   dde FIELD                        msodde (only DDE fields) on OOXML files
#   extlink TYPE TARGET              oleobj: "Found relationship TYPE with
#                                    external link TARGET"
#   xlm_sheet NAME KIND STATE        olevba's XLM output (plugin_biff), BOUNDSHEET
#                                    lines: KIND macro|worksheet|chart|vba_module,
#                                    STATE visible|hidden|very_hidden
#   xlm_name NAME                    its built-in names (Auto_Open...)
#   xlm_formula SHEET CELL FORMULA   its formula lines that it parsed whole
#                                    (none with <ERROR> or *UNKNOWN*)
#   xlm_unparsed SHEET CELL          a formula it could not parse whole
#                                    Sheet names: olevba shows the BIFF8 string's
#                                    flags byte (\x00) before them: dropped.
#   decrypted KIND SHA256            msoffcrypto-tool with the default password
#                                    VelvetSweatshop: KIND ooxml, SHA-256 of the
#                                    decrypted package; KIND workbook (Excel
#                                    97-2003 RC4), SHA-256 of the decrypted
#                                    Workbook stream of the file it writes
#                                    (absent: not decrypted)
# SPDX-License-Identifier: Apache-2.0
import hashlib, json, os, re, subprocess, sys, tempfile

root = os.path.dirname(os.path.abspath(__file__))
corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "../../../../shared/corpora/oletools")
ref = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "../../../../shared/ref/oletools")
corpus, ref = os.path.abspath(corpus), os.path.abspath(ref)
env = dict(os.environ, PYTHONPATH=ref)
lines = []
files = []
for d, _, names in os.walk(corpus):
    for n in names:
        if n.endswith(".zip") or n == "LICENSE.md":
            continue
        files.append(os.path.relpath(os.path.join(d, n), corpus))
for rel in sorted(files):
    path = os.path.join(corpus, rel)
    p = subprocess.run(["/usr/bin/python3", "-m", "oletools.olevba", "--json", path],
                       env=env, capture_output=True, timeout=300)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        out = []
    macros, analysis, kinds = [], [], set()
    for r in out:
        if r.get("type") in ("MetaInformation", "msg"):
            continue
        kinds.add(str(r.get("type")))
        macros += r.get("macros") or []
        analysis += r.get("analysis") or []
    lines.append((rel, "olevba_type", "+".join(sorted(kinds))))
    lines.append((rel, "vba", "yes" if macros else "no"))
    for m in macros:
        lines.append((rel, "module", m["vba_filename"]))
        lines.append((rel, "code", m["vba_filename"],
                      hashlib.sha256(m["code"].encode("utf-8", "surrogateescape")).hexdigest()))
    kinds_map = {"Excel 4.0 macro sheet": "macro", "worksheet or dialog sheet": "worksheet",
                 "chart": "chart", "Visual Basic module": "vba_module"}
    for m in macros:
        if m["vba_filename"] != "xlm_macro.txt":
            continue
        formulas = False
        for l in m["code"].split("\n"):
            b = re.search(r"BOUNDSHEET : Sheet Information - (.*), (visible|hidden|very hidden) - (.*)$", l)
            if b:
                lines.append((rel, "xlm_sheet", b.group(3).lstrip("\x00 "),
                              kinds_map.get(b.group(1), b.group(1)), b.group(2).replace(" ", "_")))
            b = re.search(r"built-in-name \d+ (\S+)", l)
            if b:
                lines.append((rel, "xlm_name", b.group(1)))
            if l == "' Sheet,Reference,Formula,Value":
                formulas = True
                continue
            b = re.match(r"^' (.*?),([A-Z]{1,3}[0-9]+),(.*),\"(.*)\"$", l)
            if formulas and b and "<ERROR>" not in l and "*UNKNOWN" not in l and "INCOMPLETE" not in l:
                lines.append((rel, "xlm_formula", b.group(1).lstrip("\x00 "), b.group(2), b.group(3)))
            elif formulas and b:
                lines.append((rel, "xlm_unparsed", b.group(1).lstrip("\x00 "), b.group(2)))
    for a in analysis:
        if a["type"] in ("AutoExec", "Suspicious") and "obfuscation" not in a["description"]:
            lines.append((rel, a["type"].lower(), a["keyword"].lower()))
    p = subprocess.run(["/usr/bin/python3", "-c",
                        "import sys\nfrom oletools.oleid import OleID\n"
                        "o = OleID(sys.argv[1]); o.check()\n"
                        "print([i.value for i in o.indicators if i.id == 'encrypted'][0])",
                        path], env=env, capture_output=True, timeout=300, text=True)
    enc = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else "error"
    lines.append((rel, "encrypted", enc))
    p = subprocess.run(["/usr/bin/python3", "-c",
                        "import sys, io, hashlib, msoffcrypto, olefile\n"
                        "o = msoffcrypto.OfficeFile(open(sys.argv[1], 'rb'))\n"
                        "if o.is_encrypted() and type(o).__name__ == 'OOXMLFile':\n"
                        "    o.load_key(password='VelvetSweatshop')\n"
                        "    b = io.BytesIO(); o.decrypt(b)\n"
                        "    print('ooxml', hashlib.sha256(b.getvalue()).hexdigest())\n"
                        "elif type(o).__name__ == 'Xls97File' and o.is_encrypted():\n"
                        "    try:\n"
                        "        o.load_key(password='VelvetSweatshop')\n"
                        "    except Exception:\n"
                        "        sys.exit(0)\n"
                        "    b = io.BytesIO(); o.decrypt(b); b.seek(0)\n"
                        "    w = olefile.OleFileIO(b).openstream('Workbook').read()\n"
                        "    print('workbook', hashlib.sha256(w).hexdigest())\n",
                        path], env=env, capture_output=True, timeout=300, text=True)
    for l in p.stdout.splitlines():
        lines.append((rel, "decrypted") + tuple(l.split()))
    if "OpenXML" in kinds:
        p = subprocess.run(["/usr/bin/python3", "-c",
                            "import sys\nfrom oletools import msodde\n"
                            "sys.stdout.write(msodde.process_maybe_encrypted(sys.argv[1], "
                            "field_filter_mode=msodde.FIELD_FILTER_DDE))",
                            path], env=env, capture_output=True, timeout=300, text=True)
        for f in p.stdout.split("\n"):
            if f.strip():
                lines.append((rel, "dde", f))
        # oleobj writes the objects it finds: into a scratch folder, never
        # beside the corpus file
        with tempfile.TemporaryDirectory() as scratch:
            p = subprocess.run(["/usr/bin/python3", "-m", "oletools.oleobj", "-d", scratch, path],
                               env=env, capture_output=True, timeout=300, text=True)
        for l in p.stdout.splitlines():
            m = re.match(r"Found relationship '([^']*)' with external link (.*)$", l)
            if m:
                lines.append((rel, "extlink", m.group(1), m.group(2)))
with open(os.path.join(root, "goldens.tsv"), "w") as f:
    f.write("# made by tests/data/oletools/make_goldens.py (olevba --json, oleid) at oletools 58ff1a4e5bb6\n")
    for l in sorted(set(lines)):
        f.write("\t".join(l) + "\n")
