/* libFuzzer target: the Windows artifact parsers (libartifact/windows/).
 * SPDX-License-Identifier: Apache-2.0
 *
 * The first byte picks the artifact kind (evtx, registry, prefetch, lnk,
 * jump lists, $UsnJrnl, Recycle Bin, browser histories, evt); the rest is
 * the artifact, read from memory through art_win_input.
 */
#include "fuzz_windows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  art_win_kind kind = (art_win_kind)(1 + data[0] % (ART_WIN_KIND_COUNT_ - 1));
  fuzz_win_parse(kind, "fuzz", data + 1, size - 1);
  return 0;
}
