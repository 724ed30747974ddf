/* Windows artifact parsers: one artifact file in, timestamped events out.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Each parser reads one artifact (an event log, a registry hive, a
 * prefetch file, a shortcut, a jump list, a $UsnJrnl:$J stream, a Recycle
 * Bin record, a browser history database) through an art_win_input (a
 * read callback, so the bytes may come from a file, a file inside a disk
 * image or memory) and calls the event callback once per timestamped
 * event. Events carry plaso's data_type and timestamp_desc and l2tcsv's
 * source/sourcetype, a one-line message and key/value attributes, so any
 * output (timeline, triage record) can show them.
 *
 * Inputs are hostile: a damaged artifact yields the events read before the
 * damage and ART_ERR_CORRUPT with the reason in the context; nothing is
 * ever written to the input. Times are UTC (seconds since 1970 and
 * nanoseconds); events whose time is 0 (not set) are not reported.
 *
 * Libraries: libevt, libregf, libscca, liblnk, libolecf, libfwsi (libyal,
 * LGPL-3, dynamically linked) and SQLite; .evtx event logs, $UsnJrnl and
 * the Recycle Bin are read by our own code.
 */
#ifndef ART_WINDOWS_H
#define ART_WINDOWS_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "source.h"

ART_BEGIN_DECLS

typedef enum art_win_kind {
  ART_WIN_UNKNOWN = 0,
  ART_WIN_EVTX,            /* Windows XML event log (.evtx) */
  ART_WIN_REGISTRY,        /* registry hive (SYSTEM, NTUSER.DAT, ...) */
  ART_WIN_PREFETCH,        /* prefetch (.pf), compressed (MAM) or not */
  ART_WIN_LNK,             /* shell link (.lnk) */
  ART_WIN_JUMPLIST_AUTO,   /* *.automaticDestinations-ms (OLE + DestList) */
  ART_WIN_JUMPLIST_CUSTOM, /* *.customDestinations-ms (LNK sequence) */
  ART_WIN_USNJRNL,         /* $UsnJrnl:$J (USN_RECORD_V2/V3) */
  ART_WIN_RECYCLE_I,       /* Vista+ Recycle Bin $I file */
  ART_WIN_RECYCLE_INFO2,   /* Windows XP Recycler INFO2 */
  ART_WIN_CHROME_HISTORY,  /* Chrome/Edge "History" (SQLite) */
  ART_WIN_FIREFOX_PLACES,  /* Firefox places.sqlite */
  ART_WIN_EVT,             /* Windows NT..2003 event log (.evt) */
  ART_WIN_KIND_COUNT_
} art_win_kind;

/* Stable names: "evtx", "registry", "prefetch", "lnk", "jumplist_auto",
 * "jumplist_custom", "usnjrnl", "recycle_i", "recycle_info2",
 * "chrome_history", "firefox_places", "evt". */
ART_API const char *art_win_kind_name(art_win_kind kind);
ART_API art_win_kind art_win_kind_from_name(const char *name);

/* What an artifact is, from its file NAME (last path component or whole
 * path, '/' separated) and its first bytes HEAD (at least 512 when the
 * file has them). Signatures decide where a format has one; the name
 * decides for $I/INFO2/$J and the OLE/SQLite containers. */
ART_API art_win_kind art_win_detect(const char *name,
                                    const void *head,
                                    size_t n);

/* Bytes of one artifact. READ fills BUF with up to LEN bytes at OFF and
 * sets *GOT (0 at the end); it returns ART_OK or an error (with the
 * message in the context). */
typedef struct art_win_input {
  const char *name; /* shown in messages: path of the artifact */
  uint64_t size;
  art_status (*read)(
      void *user, uint64_t off, void *buf, size_t len, size_t *got);
  void *user;
} art_win_input;

typedef struct art_win_attr {
  const char *key;
  const char *value; /* UTF-8 */
} art_win_attr;

typedef struct art_win_event {
  int64_t sec; /* UTC seconds since 1970 */
  uint32_t nsec;
  const char *data_type;      /* plaso: "windows:evtx:record", ... */
  const char *timestamp_desc; /* plaso: "Content Modification Time", ... */
  const char *source;         /* l2tcsv source: "EVT", "REG", "LOG", ... */
  const char *sourcetype;     /* l2tcsv sourcetype: "WinEVTX", ... */
  const char *message;        /* one line, UTF-8 */
  const art_win_attr *attrs;  /* parser-specific fields */
  size_t nattrs;
} art_win_event;

/* Return ART_OK to go on; any other status stops the parser, which
 * returns it. */
typedef art_status (*art_win_event_fn)(void *user, const art_win_event *ev);

/* Largest artifact loaded whole into memory (the libyal formats and
 * SQLite); bigger ones fail with ART_ERR_LIMIT. $UsnJrnl is streamed. */
#define ART_WIN_MAX_LOAD (UINT64_C(1) << 30)

ART_API art_status art_win_parse_evtx(art_ctx *ctx,
                                      const art_win_input *in,
                                      art_win_event_fn fn,
                                      void *user);
/* XP/2003 event logs (libevt): creation and written time of each record. */
ART_API art_status art_win_parse_evt(art_ctx *ctx,
                                     const art_win_input *in,
                                     art_win_event_fn fn,
                                     void *user);
/* Every key's last-written time, then the decoded values (Run/RunOnce,
 * services, UserAssist, ShimCache, BAM/DAM, RecentDocs, TypedURLs,
 * TypedPaths, MountedDevices, USBSTOR) that the hive holds. */
ART_API art_status art_win_parse_registry(art_ctx *ctx,
                                          const art_win_input *in,
                                          art_win_event_fn fn,
                                          void *user);
ART_API art_status art_win_parse_prefetch(art_ctx *ctx,
                                          const art_win_input *in,
                                          art_win_event_fn fn,
                                          void *user);
ART_API art_status art_win_parse_lnk(art_ctx *ctx,
                                     const art_win_input *in,
                                     art_win_event_fn fn,
                                     void *user);
ART_API art_status art_win_parse_jumplist_auto(art_ctx *ctx,
                                               const art_win_input *in,
                                               art_win_event_fn fn,
                                               void *user);
ART_API art_status art_win_parse_jumplist_custom(art_ctx *ctx,
                                                 const art_win_input *in,
                                                 art_win_event_fn fn,
                                                 void *user);
ART_API art_status art_win_parse_usnjrnl(art_ctx *ctx,
                                         const art_win_input *in,
                                         art_win_event_fn fn,
                                         void *user);
ART_API art_status art_win_parse_recycle_i(art_ctx *ctx,
                                           const art_win_input *in,
                                           art_win_event_fn fn,
                                           void *user);
ART_API art_status art_win_parse_recycle_info2(art_ctx *ctx,
                                               const art_win_input *in,
                                               art_win_event_fn fn,
                                               void *user);
ART_API art_status art_win_parse_chrome_history(art_ctx *ctx,
                                                const art_win_input *in,
                                                art_win_event_fn fn,
                                                void *user);
ART_API art_status art_win_parse_firefox_places(art_ctx *ctx,
                                                const art_win_input *in,
                                                art_win_event_fn fn,
                                                void *user);

/* The parser for KIND. */
ART_API art_status art_win_parse(art_ctx *ctx,
                                 art_win_kind kind,
                                 const art_win_input *in,
                                 art_win_event_fn fn,
                                 void *user);

/* Open PATH read-only (art_source: O_RDONLY|O_NOATIME), detect its kind
 * unless KIND is given, and parse it. ART_ERR_FORMAT when it is not a
 * Windows artifact this module reads. *KIND_OUT (may be NULL) gets the
 * kind used. */
ART_API art_status art_win_parse_file(art_ctx *ctx,
                                      const char *path,
                                      art_win_kind kind,
                                      art_win_kind *kind_out,
                                      art_win_event_fn fn,
                                      void *user);

/* The same on a source the caller opened (a sandbox worker is handed a
 * descriptor, not a path); NAME names it in events and messages. */
ART_API art_status art_win_parse_source(art_ctx *ctx,
                                        art_source *src,
                                        const char *name,
                                        art_win_kind kind,
                                        art_win_kind *kind_out,
                                        art_win_event_fn fn,
                                        void *user);

/* Windows FILETIME (100 ns since 1601) to Unix seconds and nanoseconds;
 * returns 0 when FT is 0 (not set) or out of years 1601..9999. */
ART_API int art_win_filetime(uint64_t ft, int64_t *sec, uint32_t *nsec);

ART_END_DECLS

#endif
