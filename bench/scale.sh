#!/usr/bin/env bash
# bench/scale.sh: issue 15's benchmark. Catalogue part: bench/scale_catalog.sh
# (PostgreSQL against SQLite: append rates with 1 and 8 writers, unsigned
# and signed, and verify time). Usage: bench/scale.sh [BUILD_DIR] [args of
# the parts...]
# SPDX-License-Identifier: Apache-2.0
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
echo "== catalogue on PostgreSQL vs SQLite =="
"$here/scale_catalog.sh" "$@"
