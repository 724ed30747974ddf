/* libFuzzer target: the onenote dissector on arbitrary bytes, every child's
 * bytes read.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz_dissect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  return fuzz_dissect("onenote", data, size);
}
