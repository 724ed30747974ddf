/* libFuzzer target: the mso dissector (ActiveMime, Word 2003 XML) on
 * arbitrary bytes, every child's bytes read.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz_dissect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  return fuzz_dissect("mso", data, size);
}
