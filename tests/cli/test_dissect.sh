# Differential tests of the dissectors through art-surface: mails built with
# Python's stdlib email package (ISO-2022-JP, CP50221, Shift_JIS, UTF-8
# encoded words; nested message/rfc822; quoted-printable; uuencode; mbox)
# against what the stdlib reads back from them (headers, parts, decoded
# payload SHA-256), lineage, flags, indicators from decoded bodies, limits.
# SPDX-License-Identifier: Apache-2.0
. "$ART_SOURCE_DIR/tests/cli/lib.sh"
need jq /usr/bin/python3
S=$ART_BIN/art-surface
export XDG_CACHE_HOME=$T/cache

/usr/bin/python3 "$ART_SOURCE_DIR/tests/cli/email_ref.py" "$T/m"
"$S" --no-yara "$T"/m/*.eml "$T/m/all.mbox" >"$T/our.jsonl"
check "schema is artifact.surface/2 everywhere" \
  bash -c "! jq -e 'select(.schema != \"artifact.surface/2\")' '$T/our.jsonl' | grep -q ."

# ---- against the stdlib: subjects, From, parts, attachment names, mbox ----
jq -r '
  def mail: (.lineage.root | split("/") | last);
  if .lineage.id == 0 and .email.format == "rfc5322" then
    "subject\t\(mail)\t\(.email.subject)",
    "from\t\(mail)\t\(.email.from[0].name // "")\t\(.email.from[0].address)"
  elif .lineage.id == 0 and .email.format == "mbox" then "mbox\t\(mail)\t\(.email.messages)"
  elif (.lineage.root | test("mbox$")) then empty
  elif (.lineage.via == "mime-part" or .lineage.via == "mime-body")
       and .lineage.declared_type != "message/rfc822" then
    "part\t\(mail)\t\(.hashes.sha256)",
    (if .lineage.via == "mime-part" then "attachment\t\(mail)\t\(.name)" else empty end)
  elif .lineage.via == "uuencode" then "uudecoded\t\(mail)\t\(.hashes.sha256)"
  else empty end' "$T/our.jsonl" | sort >"$T/our.tsv"
if diff "$T/m/ref.tsv" "$T/our.tsv" >"$T/diff"; then
  ok "headers, parts and payload hashes agree with Python's email ($(wc -l <"$T/m/ref.tsv") facts)"
else
  fail "differs from Python's email:"; cat "$T/diff" >&2
fi
# Every message of the mbox is dissected like the same message on its own.
jq -r 'select(.lineage.via == "mbox-message") | .email.subject' "$T/our.jsonl" | sort >"$T/mbox.subj"
grep '^subject' "$T/m/ref.tsv" | cut -f3 | sort >"$T/ref.subj"
check "mbox messages carry the same decoded subjects" diff "$T/ref.subj" "$T/mbox.subj"

root() { jq -c "select(.lineage.id == 0 and (.path | endswith(\"/$1\")))" "$T/our.jsonl"; }
# has FILE JQ-FILTER: the filter is true on the record in FILE
has() { jq -e "$2" "$1" >/dev/null; }
# ---- lineage ----------------------------------------------------------------
check "zip attachment expanded below the mail (mail!zip!member, depth 2)" \
  test "$(jq -r 'select(.path | endswith("jis.eml!Invoice.zip!inner.txt")) | "\(.lineage.via) \(.lineage.depth)"' "$T/our.jsonl")" = "member 2"
check "nested message/rfc822 dissected as a mail with its own attachment" \
  test "$(jq -r 'select(.path | endswith("cp50221.eml!forwarded.eml!report.pdf")) | .lineage.via' "$T/our.jsonl")" = "mime-part"
check "parents point at existing records of the same input" \
  bash -c "jq -s -e 'group_by(.lineage.root) | all(. as \$g | (\$g | map(.lineage.id)) as \$ids | \$g | all(.lineage.parent == null or (.lineage.parent as \$p | \$ids | index(\$p) != null)))' '$T/our.jsonl' >/dev/null"
# ---- findings ----------------------------------------------------------------
root jis.eml >"$T/jis.json"
root sjis.eml >"$T/sjis.json"
root cp50221.eml >"$T/cp.json"
check "link text naming another host is flagged" \
  test "$(jq -r '.email.links[0] | "\(.href) \(.text) \(.mismatch)"' "$T/jis.json")" = "http://evil.example/l https://www.paypal.com/ true"
check "double extension flagged on the mail" has "$T/jis.json" '.flags | index("double_extension")'
check "double extension flagged on the attachment" jq -s -e \
  'map(select(.path | endswith("Invoice_2024.pdf.exe"))) | length > 0 and all(.flags | index("double_extension") != null)' "$T/our.jsonl"
check "indicator from the ISO-2022-JP body" has "$T/jis.json" \
  '.email.indicators | map(.value) | index("http://203.0.113.9/invoice")'
check "quoted-printable body: URL whole (no soft breaks), no base64 noise" has "$T/sjis.json" \
  '(.email.indicators | map(.value) | index("https://pay.example.de/r?id=1")) and (.email.indicators | map(select(.class == "base64")) | length == 0)'
check "To lists both addresses" test "$(jq -r '.email.to | map(.address) | join(",")' "$T/sjis.json")" = "a@example.org,b@example.org"
check "Reply-To on another domain flagged" has "$T/cp.json" '.flags | index("reply_to_mismatch")'
check "no Reply-To mismatch where there is no Reply-To" has "$T/sjis.json" '.flags | index("reply_to_mismatch") | not'

# Received chain and Authentication-Results, as stated in the headers.
cat >"$T/hops.eml" <<'MAIL'
Received: from mx2.example.net (mx2.example.net [192.0.2.10])
	by mx.corp.example.jp (Postfix) with ESMTPS id 4AB;
	Tue, 01 Dec 2026 10:00:02 +0900
Received: from [198.51.100.23] (helo=sender.example.org)
	by mx2.example.net with esmtp; Tue, 01 Dec 2026 01:00:01 +0000
Authentication-Results: mx.corp.example.jp; spf=softfail smtp.mailfrom=example.org;
	dkim=fail header.d=example.org; dmarc=fail (p=REJECT) header.from=example.org
From: "ceo@corp.example.jp" <ceo.corp@freemail.example.com>
To: staff@corp.example.jp
Subject: urgent
Message-ID: <1@sender.example.org>

wire the money
MAIL
"$S" --no-yara "$T/hops.eml" | jq -c 'select(.lineage.id == 0)' >"$T/hops.json"
check "Received hosts and IPs in header order" \
  test "$(jq -r '[.email.received[] | "\(.from)>\(.by)>\(.ips | join("+"))"] | join(" ")' "$T/hops.json")" \
  = "mx2.example.net>mx.corp.example.jp>192.0.2.10 [198.51.100.23]>mx2.example.net>198.51.100.23"
check "Authentication-Results verdicts" \
  test "$(jq -r '.email.authentication_results[0].results | "\(.spf) \(.dkim) \(.dmarc)"' "$T/hops.json")" = "softfail fail fail"
check "display name spoofing an address flagged" has "$T/hops.json" '.flags | index("display_name_spoof")'
check "no display-name spoofing flag on an honest From" has "$T/cp.json" '.flags | index("display_name_spoof") | not' 

# ---- a phishing chain: mail -> .docm -> vbaProject.bin -> module ------------
/usr/bin/python3 - "$T" "$ART_SOURCE_DIR/tests/data/oletools/oleform-PR314.docm" <<'PY'
import sys
from email.message import EmailMessage
t, docm = sys.argv[1], sys.argv[2]
m = EmailMessage()
m["From"] = "hr@example.com"
m["To"] = "x@example.org"
m["Subject"] = "salary review"
m.set_content("see attached\n")
m.add_attachment(open(docm, "rb").read(), maintype="application",
                 subtype="vnd.ms-word.document.macroEnabled.12", filename="review.docm")
open(t + "/chain.eml", "wb").write(m.as_bytes())
PY
"$S" --no-yara "$T/chain.eml" >"$T/chain.jsonl"
check "mail -> docm -> vbaProject.bin -> NewMacros.bas, depth 3, via vba-module" \
  test "$(jq -r 'select(.path | endswith("chain.eml!review.docm!word/vbaProject.bin!NewMacros.bas")) | "\(.lineage.via) \(.lineage.depth)"' "$T/chain.jsonl")" = "vba-module 3"
check "the docm attachment carries the ooxml summary (macros)" \
  test "$(jq -r 'select(.path | endswith("chain.eml!review.docm")) | .ooxml.macros' "$T/chain.jsonl")" = true

# ---- not a mail -------------------------------------------------------------
printf 'From: a list of things\nhello\n' >"$T/notmail.txt"
check "a text starting with 'From:' is not taken for a mail" \
  test "$("$S" --no-yara "$T/notmail.txt" | jq -r '.email')" = null

# ---- limits ---------------------------------------------------------------
"$S" --no-yara --max-depth 1 "$T/m/jis.eml" >"$T/d1.jsonl"
check "--max-depth 1: the zip attachment is not expanded, and says so" \
  test "$(jq -r 'select(.path | endswith("Invoice.zip")) | .limits_hit | join(",")' "$T/d1.jsonl")" = depth_limit
check "--max-depth 1: nothing deeper than 1" test "$(jq -s 'map(.lineage.depth) | max' "$T/d1.jsonl")" -eq 1
"$S" --no-yara --max-artifacts 2 "$T/m/jis.eml" >"$T/a2.jsonl"
check "--max-artifacts 2: two children, the limit on the mail" \
  test "$(jq -r -s '[length, (.[0].limits_hit | index("artifact_limit") != null)] | @text' "$T/a2.jsonl")" = '[3,true]'
"$S" --no-yara --no-recurse "$T/m/jis.eml" >"$T/nr.jsonl"
check "--no-recurse: no dissection" test "$(jq -s 'length' "$T/nr.jsonl"):$(jq -r .email "$T/nr.jsonl")" = "1:null"

# Damaged input: a mail cut in the middle of a base64 attachment still gives
# what could be read, and the run goes on.
head -c 900 "$T/m/jis.eml" >"$T/cut.eml"
expect_rc 0 "a truncated mail is examined" "$S" --no-yara -o "$T/cut.jsonl" "$T/cut.eml"
check "truncated mail: subject still decoded" \
  test "$(jq -r 'select(.lineage.id == 0) | .email.subject' "$T/cut.jsonl")" = "請求書のご確認（至急）"
check "truncated mail: flagged mime_truncated with the part it cut, never clean" \
  test "$(jq -r 'select(.lineage.id == 0) | "\(.flags | index("mime_truncated") != null) \(.email.truncated[0].multipart)|\(.email.truncated[0].last_part) \(.errors | map(select(test("cut.eml: email: message cut before the closing boundary of multipart"))) | length)"' "$T/cut.jsonl")" = \
  "true |2 1"

# Cut mails against Python's email: every multipart mail of the set cut at
# a quarter, half, three quarters, inside its closing boundary line and
# after it (only the last newline gone). The stdlib reports a missing
# closing boundary as CloseBoundaryNotFoundDefect (or StartBoundaryNot-
# FoundDefect when no part began): exactly those inputs must be flagged
# mime_truncated, naming the same innermost multipart and part it cut.
mkdir -p "$T/cuts"
/usr/bin/python3 - "$T/m" "$T/cuts" <<'PY' >"$T/cuts.ref"
import glob, os, sys
from email import message_from_bytes, policy, errors
src, out = sys.argv[1], sys.argv[2]
def cut(m, pid=""):
    """The innermost multipart left open: its part id and its last part's."""
    if m.get_content_maintype() != "multipart" or not m.is_multipart():
        return None
    parts = m.get_payload()
    for i, sub in enumerate(parts):
        r = cut(sub, "%s%s%d" % (pid, "." if pid else "", i + 1))
        if r:
            return r
    if any(isinstance(d, (errors.CloseBoundaryNotFoundDefect,
                          errors.StartBoundaryNotFoundDefect)) for d in m.defects):
        return "%s|%s%s%d" % (pid, pid, "." if pid else "", len(parts))
    return None
for f in sorted(glob.glob(src + "/*.eml")):
    data = open(f, "rb").read()
    if not message_from_bytes(data, policy=policy.default).is_multipart():
        continue
    close = data.rstrip().rfind(b"\n--") + 1
    for k, n in (("q1", len(data) // 4), ("q2", len(data) // 2),
                 ("q3", 3 * len(data) // 4), ("inclose", close + 4),
                 ("nonl", len(data.rstrip(b"\r\n")))):
        name = "%s.%s.eml" % (os.path.basename(f)[:-4], k)
        open(os.path.join(out, name), "wb").write(data[:n])
        m = message_from_bytes(data[:n], policy=policy.default)
        r = cut(m)
        print("%s\t%s" % (name, "cut\t" + r if r else "whole"))
PY
"$S" --no-yara "$T"/cuts/*.eml | jq -r 'select(.lineage.id == 0) | "\(.name)\t\(if (.flags | index("mime_truncated")) then "cut\t\(.email.truncated[0] | "\(.multipart)|\(.last_part)")" else "whole" end)"' |
  sort >"$T/cuts.our"
sort "$T/cuts.ref" -o "$T/cuts.ref"
check "cut mails: mime_truncated, multipart and cut part as Python's email finds them ($(grep -c cut "$T/cuts.ref") cut, $(grep -c whole "$T/cuts.ref") whole)" \
  diff "$T/cuts.ref" "$T/cuts.our"
finish
