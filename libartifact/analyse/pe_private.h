/* Internal declarations of the PE module.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_PE_PRIVATE_H
#define ART_PE_PRIVATE_H

#include <stdint.h>

/* The name pefile/YARA give an import by ORDINAL from DLL_LOWER (the DLL
 * name lower-cased, with its extension), or NULL. */
const char *art__pe_ordinal_name(const char *dll_lower, uint16_t ordinal);

#endif
