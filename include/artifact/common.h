/* Definitions every public header shares: the export macro and C++ guards.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_COMMON_H
#define ART_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(ART_BUILDING) || defined(ART_TESTING)
#define ART_API __attribute__((visibility("default")))
#else
#define ART_API
#endif

#ifdef __cplusplus
#define ART_BEGIN_DECLS extern "C" {
#define ART_END_DECLS   }
#else
#define ART_BEGIN_DECLS
#define ART_END_DECLS
#endif

#if defined(__GNUC__)
#define ART_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ART_PRINTF(f, a)
#endif

#endif
