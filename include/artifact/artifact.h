/* libartifact: forensic artifact analysis. The umbrella header.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Anything not declared under include/artifact/ is not API.
 * Conventions: functions return art_status and put results in out-parameters
 * (NULL on failure); the detailed message is in the art_ctx; art_X_new()
 * pairs with art_X_free(), and free(NULL) is a no-op; returned const
 * pointers are borrowed until the next call on the same object; returned
 * char * are the caller's, released with art_free(); data passed to a
 * callback is valid only during the callback.
 */
#ifndef ART_ARTIFACT_H
#define ART_ARTIFACT_H

#include "archive.h"
#include "batch.h"
#include "catalog.h"
#include "dissect.h"
#include "common.h"
#include "ctx.h"
#include "entropy.h"
#include "elf.h"
#include "error.h"
#include "hash.h"
#include "hashset.h"
#include "ioc.h"
#include "magic.h"
#include "pe.h"
#include "reader.h"
#include "sandbox.h"
#include "source.h"
#include "ssdeep.h"
#include "surface.h"
#include "strings.h"
#include "timeline.h"
#include "walk.h"
#include "shard.h"
#include "yara.h"

#endif
