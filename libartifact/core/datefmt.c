/* Dates for people: a time in the examiner's zone, in the locale's style.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The zone is applied with the C library (TZ, tzset, localtime_r), so its
 * rules are the system tz database's. Switching TZ is process-wide: it is
 * done under a lock and undone before returning; callers that format many
 * times (the timeline) set TZ once and pass NULL.
 */
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datefmt_private.h"

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;

art__date_style art__date_style_locale(void)
{
  const char *l = setlocale(LC_TIME, NULL);
  if (l && l[0] == 'j' && l[1] == 'a' &&
      (l[2] == '\0' || l[2] == '_' || l[2] == '.' || l[2] == '@'))
    return ART__DATE_JA;
  return ART__DATE_ISO;
}

int art__date_zone_ok(const char *zone)
{
  if (!zone)
    return 0;
  if (*zone == ':')
    zone++;
  if (!*zone || strstr(zone, "..") || zone[0] == '/')
    return 0;
  if (strcmp(zone, "UTC") == 0 || strcmp(zone, "GMT") == 0)
    return 1;
  const char *dir = getenv("TZDIR");
  char path[512];
  int n = snprintf(path, sizeof path, "%s/%s",
                   dir && *dir ? dir : "/usr/share/zoneinfo", zone);
  if (n < 0 || (size_t)n >= sizeof path)
    return 0;
  FILE *f = fopen(path, "rbe");
  if (!f)
    return 0;
  char magic[4];
  int ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
  fclose(f);
  return ok;
}

/* The abbreviation of TM's zone into ABBR, unless it is only the offset
 * again ("+0530"). tm_zone points into the zone data of the TZ in force. */
static void abbr_of(const struct tm *tm, char *abbr, size_t n)
{
  abbr[0] = '\0';
  if (tm->tm_zone && tm->tm_zone[0] != '+' && tm->tm_zone[0] != '-')
    snprintf(abbr, n, "%s", tm->tm_zone);
}

/* Broken-down local time of T in ZONE (NULL: as TZ is now). */
static int
local_in(time_t t, const char *zone, struct tm *tm, char *abbr, size_t an)
{
  const char *cur = getenv("TZ");
  if (zone && *zone == ':')
    zone++;
  if (!zone || !*zone || (cur && strcmp(cur, zone) == 0)) {
    if (!localtime_r(&t, tm))
      return -1;
    abbr_of(tm, abbr, an);
    return 0;
  }
  if (!art__date_zone_ok(zone))
    return -1;
  pthread_mutex_lock(&tz_lock);
  char *saved = cur ? strdup(cur) : NULL;
  int ok = 0;
  if (!cur || saved) {
    setenv("TZ", zone, 1);
    tzset();
    ok = localtime_r(&t, tm) != NULL;
    if (ok)
      abbr_of(tm, abbr, an);
    if (saved)
      setenv("TZ", saved, 1);
    else
      unsetenv("TZ");
    tzset();
  }
  free(saved);
  pthread_mutex_unlock(&tz_lock);
  return ok ? 0 : -1;
}

static void fraction(char *f, size_t n, uint32_t nsec, int digits)
{
  f[0] = '\0';
  if (nsec >= 1000000000u)
    nsec = 0;
  if (digits == 3)
    snprintf(f, n, ".%03u", nsec / 1000000u);
  else if (digits == 6)
    snprintf(f, n, ".%06u", nsec / 1000u);
  else if (digits == 9)
    snprintf(f, n, ".%09u", nsec);
}

int art__date_human(char *buf,
                    size_t len,
                    int64_t sec,
                    uint32_t nsec,
                    int digits,
                    const char *zone,
                    art__date_style style)
{
  time_t t = (time_t)sec;
  struct tm lt, ut;
  if ((int64_t)t != sec || !gmtime_r(&t, &ut))
    return -1;
  char abbr[16];
  if (local_in(t, zone, &lt, abbr, sizeof abbr))
    return -1;
  char frac[16];
  fraction(frac, sizeof frac, nsec, digits);
  long off = lt.tm_gmtoff, aoff = off < 0 ? -off : off;
  char sign = off < 0 ? '-' : '+';
  long long ly = (long long)lt.tm_year + 1900,
            uy = (long long)ut.tm_year + 1900;
  int n;
  if (style == ART__DATE_JA) {
    char utcoff[48];
    if (aoff % 3600)
      snprintf(utcoff, sizeof utcoff, "UTC%c%ld:%02ld", sign, aoff / 3600,
               aoff % 3600 / 60);
    else
      snprintf(utcoff, sizeof utcoff, "UTC%c%ld", sign, aoff / 3600);
    if (off == 0)
      n = snprintf(buf, len, "%lld年%d月%d日 %02d:%02d:%02d%s UTC", uy,
                   ut.tm_mon + 1, ut.tm_mday, ut.tm_hour, ut.tm_min, ut.tm_sec,
                   frac);
    else
      n = snprintf(buf, len,
                   "%lld年%d月%d日 %02d:%02d:%02d%s %s%s(%s) / UTC "
                   "%lld年%d月%d日 %02d:%02d:%02d%s",
                   ly, lt.tm_mon + 1, lt.tm_mday, lt.tm_hour, lt.tm_min,
                   lt.tm_sec, frac, abbr, *abbr ? " " : "", utcoff, uy,
                   ut.tm_mon + 1, ut.tm_mday, ut.tm_hour, ut.tm_min, ut.tm_sec,
                   frac);
  } else if (off == 0) {
    n = snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02d%sZ", uy,
                 ut.tm_mon + 1, ut.tm_mday, ut.tm_hour, ut.tm_min, ut.tm_sec,
                 frac);
  } else {
    n = snprintf(buf, len,
                 "%04lld-%02d-%02dT%02d:%02d:%02d%s%c%02ld:%02ld%s%s "
                 "(%04lld-%02d-%02dT%02d:%02d:%02d%sZ)",
                 ly, lt.tm_mon + 1, lt.tm_mday, lt.tm_hour, lt.tm_min,
                 lt.tm_sec, frac, sign, aoff / 3600, aoff % 3600 / 60,
                 *abbr ? " " : "", abbr, uy, ut.tm_mon + 1, ut.tm_mday,
                 ut.tm_hour, ut.tm_min, ut.tm_sec, frac);
  }
  return (n < 0 || (size_t)n >= len) ? -1 : 0;
}
