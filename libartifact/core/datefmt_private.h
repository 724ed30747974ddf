/* Dates for people (HTML register, timeline page): zone, locale style.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Machine formats keep their own fixed forms; these are for pages a person
 * reads. A time is shown in the examiner's zone (a tz database name) with
 * its abbreviation and UTC offset, and the UTC time beside it when the
 * offset is not zero. In a Japanese locale (LC_TIME ja*):
 *   2026年12月3日 15:04:05 JST (UTC+9) / UTC 2026年12月3日 06:04:05
 * elsewhere, the ISO 8601 form the pages had, plus the zone:
 *   2026-12-03T15:04:05+09:00 JST (2026-12-03T06:04:05Z)
 * and in UTC the plain 2026-12-03T06:04:05Z.
 */
#ifndef ART_DATEFMT_PRIVATE_H
#define ART_DATEFMT_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

typedef enum art__date_style {
  ART__DATE_ISO = 0, /* ISO 8601 with offset and zone abbreviation */
  ART__DATE_JA = 1   /* 2026年12月3日 15:04:05 JST (UTC+9) */
} art__date_style;

/* The style of the process's LC_TIME locale: Japanese for ja / ja_JP.*. */
art__date_style art__date_style_locale(void);

/* Whether ZONE names a zone: "UTC", "GMT" or a TZif file under the tz
 * database (/usr/share/zoneinfo, or $TZDIR). A leading ':' is allowed. */
int art__date_zone_ok(const char *zone);

/* Write SEC (+NSEC, with DIGITS fraction digits: 0, 3, 6 or 9) in ZONE
 * (NULL or "": the process's current zone) in STYLE into BUF. The process
 * TZ is switched under a lock and put back when ZONE is not the current
 * one. 0, or -1 when ZONE is unknown, the time out of range or BUF small. */
int art__date_human(char *buf,
                    size_t len,
                    int64_t sec,
                    uint32_t nsec,
                    int digits,
                    const char *zone,
                    art__date_style style);

#endif
