# Reference for cli_onenote: the embedded files of a OneNote section as
# pyOneNote (github.com/DissectMalware/pyOneNote) pairs them with the
# embedded-file nodes' EmbeddedFileName, as its Main.py prints them:
# "sha256<TAB>name<TAB>extension" per file. Usage: pyonenote_pairs.py
# PYONENOTE_CHECKOUT FILE.one (run by the test when ART_PYONENOTE is set).
# SPDX-License-Identifier: Apache-2.0
import hashlib
import sys

sys.path.insert(0, sys.argv[1])
from pyOneNote.OneDocument import OneDocment  # noqa: E402

with open(sys.argv[2], "rb") as f:
    doc = OneDocment(f)
    meta = {}
    for ps in doc.get_properties():
        if ps["type"] == "jcidEmbeddedFileNode" and "EmbeddedFileContainer" in ps["val"]:
            meta[ps["val"]["EmbeddedFileContainer"][0]] = ps["val"]
    for fl in doc.get_files().values():
        name = meta.get(fl["identity"], {}).get("EmbeddedFileName", "")
        print("%s\t%s\t%s" % (hashlib.sha256(fl["content"]).hexdigest(),
                              name.rstrip("\0"), fl["extension"]))
