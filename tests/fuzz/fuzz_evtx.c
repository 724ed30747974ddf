/* libFuzzer target: our EVTX reader (windows/evtx_chunk.c, evtx_binxml.c).
 * SPDX-License-Identifier: Apache-2.0
 *
 * The input is an .evtx file. Checksums do not stop the reader (a chunk
 * with a bad CRC32 is still read, and reported), so mutations reach the
 * records' Binary XML, the template cache and the value rendering. Every
 * event's text is read, as a writer would.
 */
#include "fuzz_windows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fuzz_win_parse(ART_WIN_EVTX, "fuzz.evtx", data, size);
  return 0;
}
