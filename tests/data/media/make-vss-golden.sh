#!/usr/bin/env bash
# Golden files for tests/cli/test_media.sh's shadow copy cases, made by the
# reference tools only (libvshadow's vshadowinfo and vshadowmount, The Sleuth
# Kit's fls, sha256sum, qemu-img) from ../shared/corpora/plaso/vsstest.qcow2
# (plaso test data, Apache-2.0). Needs FUSE for vshadowmount.
# Usage: tests/data/media/make-vss-golden.sh [path/to/vsstest.qcow2]
# SPDX-License-Identifier: Apache-2.0
set -euo pipefail
export LC_ALL=C TZ=UTC
here=$(cd "$(dirname "$0")" && pwd)
img=${1:-$here/../../../../shared/corpora/plaso/vsstest.qcow2}
t=$(mktemp -d)
trap 'fusermount -u "$t/mnt" 2>/dev/null || umount "$t/mnt" 2>/dev/null || true; rm -rf "$t"' EXIT
qemu-img convert -O raw "$img" "$t/vol.raw"
vshadowinfo "$t/vol.raw" | sed '1d' >"$here/vsstest.vshadowinfo"
fls -r -m / "$t/vol.raw" >"$here/vsstest.body"
mkdir "$t/mnt"
vshadowmount "$t/vol.raw" "$t/mnt" >/dev/null
for s in "$t"/mnt/vss*; do
  n=$(basename "$s")
  fls -r -m "$n:" "$s" >"$here/vsstest.$n.body"
  echo "$(sha256sum <"$s" | cut -c1-64)  $n" >>"$t/sums"
done
mv "$t/sums" "$here/vsstest.stores.sha256"
