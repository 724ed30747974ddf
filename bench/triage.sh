#!/usr/bin/env bash
# Benchmark: triage of what a CSIRT receives. The script builds a corpus of
# N mails (default 500) with attachments of every kind the dissectors read
# (macro documents and OLE/OOXML files from the oletools corpus, PDFs with
# JavaScript and embedded files, zips, signed and unsigned PEs, shortcuts,
# nested messages), plus the oletools corpus itself, then times in one run:
#   art-surface -r (every artifact, recursively, one pass, YARA included)
# against the chain a team runs today:
#   Python's email package extracting every attachment to disk, then
#   olevba --json on the Office files, pdfid.py on the PDFs, lnkinfo on the
#   shortcuts, file, hashdeep -c md5,sha1,sha256 and ssdeep over everything.
# Prints wall time, artifacts per second, the ratio and peak memory.
# SPDX-License-Identifier: Apache-2.0
# Usage: bench/triage.sh [BUILD_DIR] [N_MAILS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
nmail=${2:-500}
S=$build/tools/art-surface
REF=${ART_REF:-$here/../shared/ref}
CORPUS=${ART_OLETOOLS_CORPUS:-$here/../shared/corpora/oletools}
[ -x "$S" ] || { echo "no $S: build first" >&2; exit 2; }
[ -d "$REF/oletools" ] && [ -f "$REF/didierstevens/pdfid.py" ] ||
  { echo "needs $REF (olevba, pdfid.py)" >&2; exit 2; }
[ -d "$CORPUS" ] || { echo "needs $CORPUS" >&2; exit 2; }
for t in hashdeep ssdeep file lnkinfo osslsigncode x86_64-w64-mingw32-gcc openssl /usr/bin/python3 /usr/bin/time; do
  command -v $t >/dev/null || { echo "missing tool: $t" >&2; exit 2; }
done
export LC_ALL=C
T=$(mktemp -d "${TMPDIR:-/tmp}/art-bench-triage-XXXXXX")
[ -n "${ART_BENCH_KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
export XDG_CACHE_HOME=$T/cache

# ---- the corpus -------------------------------------------------------------
mkdir -p "$T/att" "$T/in/mail" "$T/in/oletools"
cp -r "$CORPUS"/. "$T/in/oletools/"
find "$T/in/oletools" -name '*.zip' -delete
/usr/bin/python3 "$here/tests/cli/pdf_make.py" "$T/att/pdf" >/dev/null
cp "$here"/tests/data/yara/*.lnk "$T/att/"
(cd "$T/att" &&
  printf '#include <stdio.h>\nint main(void){puts("x");return 0;}\n' >a.c &&
  x86_64-w64-mingw32-gcc -O2 -o a.exe a.c &&
  openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 30 \
    -subj "/CN=bench" 2>/dev/null &&
  osslsigncode sign -certs c.pem -key k.pem -in a.exe -out signed.exe >/dev/null)
/usr/bin/python3 - "$T" "$nmail" "$CORPUS" <<'PY'
import glob, io, os, random, sys, zipfile
from email.message import EmailMessage
from email.header import Header
t, n, corpus = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rnd = random.Random(7)
office = [p for p in glob.glob(corpus + "/**/*", recursive=True)
          if os.path.isfile(p) and not p.endswith((".zip", ".md"))]
pdfs = glob.glob(t + "/att/pdf/*.pdf")
lnks = glob.glob(t + "/att/*.lnk")
exes = [t + "/att/a.exe", t + "/att/signed.exe"]
def att(m, path, name=None):
    m.add_attachment(open(path, "rb").read(), maintype="application",
                     subtype="octet-stream", filename=name or os.path.basename(path))
for i in range(n):
    m = EmailMessage()
    m["From"] = Header("請求書 担当", "iso-2022-jp").encode() + " <billing%d@example.co.jp>" % i
    m["To"] = "soc@example.org"
    m["Reply-To"] = "pay%d@elsewhere.example.net" % i
    m["Subject"] = Header("ご確認ください No.%d" % i, "iso-2022-jp").encode()
    m["Received"] = "from mx%d.example.net ([198.51.100.%d]) by mx.example.org; Tue, 1 Dec 2026 10:00:00 +0000" % (i, i % 250)
    m.set_content("Please open the attachment: http://198.51.100.%d/track?id=%d\n" % (i % 250, i))
    m.add_alternative('<p><a href="http://evil.example/%d">https://bank.example.com/</a></p>' % i, subtype="html")
    k = i % 6
    if k == 0:
        att(m, rnd.choice(office))
    elif k == 1:
        att(m, rnd.choice(pdfs))
    elif k == 2:
        zb = io.BytesIO()
        with zipfile.ZipFile(zb, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(rnd.choice(office), "doc/" + os.path.basename(rnd.choice(office)))
            z.write(rnd.choice(exes), "Invoice_%d.pdf.exe" % i)
        m.add_attachment(zb.getvalue(), maintype="application", subtype="zip", filename="invoice%d.zip" % i)
    elif k == 3:
        att(m, rnd.choice(lnks))
        att(m, rnd.choice(exes))
    elif k == 4:
        inner = EmailMessage()
        inner["From"] = "boss@example.com"
        inner["Subject"] = "fwd %d" % i
        inner.set_content("see attached\n")
        att(inner, rnd.choice(office))
        m.add_attachment(inner)
    else:
        att(m, rnd.choice(pdfs))
        att(m, rnd.choice(office))
    open("%s/in/mail/%04d.eml" % (t, i), "wb").write(m.as_bytes())
PY
nin=$(find "$T/in" -type f | wc -l)
bytes=$(find "$T/in" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
echo "corpus: $nmail mails + the oletools corpus: $nin files, $((bytes / 1024)) KiB; $(nproc) CPUs"
find "$T/in" -type f -exec cat {} + >/dev/null

# ---- the chain ----------------------------------------------------------------
cat >"$T/extract.py" <<'PY'
import os, sys
from email import message_from_binary_file, policy
src, dst = sys.argv[1], sys.argv[2]
n = 0
for root, _, files in os.walk(src):
    for f in files:
        with open(os.path.join(root, f), "rb") as fh:
            msg = message_from_binary_file(fh, policy=policy.default)
        for i, part in enumerate(msg.walk()):
            if part.is_multipart():
                continue
            data = part.get_payload(decode=True)
            if data is None:
                continue
            name = part.get_filename() or "part%d.bin" % i
            out = os.path.join(dst, "%s.%d.%s" % (f, i, os.path.basename(name)))
            with open(out, "wb") as o:
                o.write(data)
            n += 1
print(n)
PY
: >"$T/times"
tm() { local l=$1; shift; /usr/bin/time -f "$l %e %M %U %S" -a -o "$T/times" "$@" >>"$T/chain.out" 2>>"$T/chain.err" || true; }
mkdir -p "$T/ext"
tm extract /usr/bin/python3 "$T/extract.py" "$T/in/mail" "$T/ext"
cp -r "$T/in/oletools" "$T/ext/oletools"
find "$T/ext" -type f | sort >"$T/ext.list"
grep -v -E '\.part[0-9]+\.bin$' "$T/ext.list" | grep -E -i '\.(doc|docm|docx|dot|dotm|dotx|xls|xlsm|xlsx|xlsb|xlt|xltm|xla|xlam|ppt|pptm|pptx|pps|ppsm|ppsx|pot|potm|potx|xml|rtf|bin|csv|slk|odt|ods|odp|eml)$' >"$T/office.list" || true
grep -E -i '\.pdf$' "$T/ext.list" >"$T/pdf.list" || true
grep -E -i '\.lnk$' "$T/ext.list" >"$T/lnk.list" || true
# olevba once per file: given many, it stops at the first file it cannot
# decrypt and reports nothing on the rest.
tm olevba sh -c 'PYTHONPATH="$1/oletools" xargs -d "\n" -n 1 /usr/bin/python3 -m oletools.olevba --json <"$2/office.list" >"$2/olevba.json"' sh "$REF" "$T"
tm pdfid xargs -d '\n' /usr/bin/python3 "$REF/didierstevens/pdfid.py" <"$T/pdf.list"
tm lnkinfo xargs -d '\n' -n 1 lnkinfo <"$T/lnk.list"
tm file xargs -d '\n' file <"$T/ext.list"
tm hashdeep hashdeep -c md5,sha1,sha256 -r "$T/ext"
tm ssdeep ssdeep -r "$T/ext"
nchain=$(wc -l <"$T/ext.list")

# ---- art-surface ----------------------------------------------------------------
/usr/bin/time -f "surface %e %M %U %S" -a -o "$T/times" "$S" -r -o "$T/ours.jsonl" "$T/in" 2>>"$T/ours.err" || true
/usr/bin/time -f "surface_noyara %e %M %U %S" -a -o "$T/times" "$S" -r --no-yara -o "$T/ours2.jsonl" "$T/in" 2>>"$T/ours.err" || true
nours=$(wc -l <"$T/ours.jsonl")

# ---- findings both report --------------------------------------------------------
# Office files with VBA macros, per file the chain handed to olevba (an
# attachment, or a corpus file): olevba's results with a VBA module (its
# XLM-only results aside: art-surface reports those under ole.xlm), a
# decrypted copy counted as the file it came from (olevba's "container");
# our records holding a VBA project, counted as the attachment (or corpus
# file) they lie in, nested messages aside, as the chain extracts them.
read -r vba_chain vba_ours vba_both vba_ours_only vba_in_zip vba_chain_only < <(/usr/bin/python3 - "$T" <<'PY'
import json, os, sys
t = sys.argv[1]
def key_chain(path):
    rel = os.path.relpath(path, t + "/ext")
    if rel.startswith("oletools/"):
        return "oletools|" + os.path.basename(rel)
    mail, _, rest = rel.partition(".eml.")
    return mail + ".eml|" + rest.partition(".")[2]
chain = set()
text, i, dec = open(t + "/olevba.json", errors="replace").read(), 0, json.JSONDecoder()
while True:
    j = text.find("[", i)
    if j < 0:
        break
    try:
        arr, i = dec.raw_decode(text, j)
    except ValueError:
        i = j + 1
        continue
    for r in arr if isinstance(arr, list) else []:
        if (isinstance(r, dict) and r.get("type") in ("OLE", "OpenXML") and
                any(m.get("vba_filename") != "xlm_macro.txt" for m in r.get("macros") or [])):
            chain.add(key_chain(r.get("container") or r["file"]))
ours, in_zip = set(), set()
for line in open(t + "/ours.jsonl"):
    r = json.loads(line)
    if not ((r.get("ole") or {}).get("vba") or {}).get("modules"):
        continue
    parts = os.path.relpath(r["path"], t + "/in").split("!")
    if parts[0].startswith("oletools/"):
        k = "oletools|" + os.path.basename(parts[0])
    else:
        rest = [p for p in parts[1:] if not p.endswith(".eml")]
        k = os.path.basename(parts[0]) + "|" + (rest[0] if rest else "")
        if len(rest) > 1 and rest[0].lower().endswith(".zip"):
            in_zip.add(k)
    ours.add(k)
print(len(chain), len(ours), len(chain & ours), len(ours - chain), len(in_zip - chain), len(chain - ours))
PY
)
echo "findings: files with VBA macros: olevba $vba_chain, art-surface $vba_ours, both $vba_both;" \
  "art-surface only $vba_ours_only ($vba_in_zip inside zip attachments the chain does not open);" \
  "olevba only $vba_chain_only"
echo "attachments extracted by the chain $(grep -v oletools "$T/ext.list" | wc -l), mime-part/mime-body children" \
  "$(jq -s 'map(select(.lineage.via == "mime-part" or .lineage.via == "mime-body")) | length' "$T/ours.jsonl")"

# Wall time is what an analyst waits for; CPU time (user + system) is also
# given, since on a shared machine the wall time is mostly waiting.
awk -v nc="$nchain" -v no="$nours" -v load="$(cut -d' ' -f1 /proc/loadavg)" '
  NF == 5 && $2 ~ /^[0-9.]+$/ { t[$1] = $2; m[$1] = $3; c[$1] = $4 + $5 }
  END {
    chain = 0; cm = 0; cc = 0
    for (k in t) if (k !~ /^surface/) { chain += t[k]; cc += c[k]; if (m[k] > cm) cm = m[k] }
    printf "%-44s %8s %8s %10s %12s\n", "", "wall s", "CPU s", "peak MiB", "artifacts/s"
    split("extract olevba pdfid lnkinfo file hashdeep ssdeep", ks, " ")
    for (i = 1; i <= 7; i++) printf "  %-42s %8.2f %8.2f %10.1f\n", ks[i], t[ks[i]], c[ks[i]], m[ks[i]] / 1024
    printf "%-44s %8.2f %8.2f %10.1f %12.0f\n", "chain (sum, " nc " files)", chain, cc, cm / 1024, nc / chain
    printf "%-44s %8.2f %8.2f %10.1f %12.0f\n", "art-surface -r (" no " artifacts)", t["surface"], c["surface"], m["surface"] / 1024, no / t["surface"]
    printf "%-44s %8.2f %8.2f %10.1f %12.0f\n", "art-surface -r --no-yara", t["surface_noyara"], c["surface_noyara"], m["surface_noyara"] / 1024, no / t["surface_noyara"]
    printf "ratio chain / art-surface: wall %.1fx (with YARA), %.1fx (without); CPU %.1fx, %.1fx; load average %s\n", chain / t["surface"], chain / t["surface_noyara"], cc / c["surface"], cc / c["surface_noyara"], load
  }' "$T/times"
