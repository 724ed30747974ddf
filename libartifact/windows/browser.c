/* Browser histories through SQLite: Chrome/Edge "History" (visits,
 * downloads) and Firefox places.sqlite (visits, bookmarks).
 * SPDX-License-Identifier: Apache-2.0
 *
 * The database is loaded into memory and opened read-only from there
 * (sqlite3_deserialize), so the evidence file is never opened for writing
 * and no journal is created beside it. Times: Chrome stores WebKit time
 * (microseconds since 1601; old downloads tables: seconds since 1970),
 * Firefox PRTime (microseconds since 1970).
 */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "win_private.h"

static art_status db_open(art_ctx *ctx, const art_win_input *in, sqlite3 **out)
{
  unsigned char *data = NULL;
  size_t n = 0;
  *out = NULL;
  art_status st = win_load(ctx, in, &data, &n);
  if (st != ART_OK)
    return st;
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) !=
      SQLITE_OK) {
    sqlite3_close(db);
    free(data);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s: sqlite", in->name);
  }
  unsigned char *img = sqlite3_malloc64(n);
  if (!img) {
    sqlite3_close(db);
    free(data);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", in->name);
  }
  memcpy(img, data, n);
  free(data);
  /* WAL-mode files (version bytes 2) read as rollback from memory */
  if (n > 19 && img[18] == 2 && img[19] == 2)
    img[18] = img[19] = 1;
  int rc = sqlite3_deserialize(
      db, "main", img, (sqlite3_int64)n, (sqlite3_int64)n,
      SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
  if (rc != SQLITE_OK) {
    sqlite3_close(db);
    return art__set_error(ctx, ART_ERR_FORMAT, 0, "%s: not an SQLite database",
                          in->name);
  }
  *out = db;
  return ART_OK;
}

static int has_table(sqlite3 *db, const char *t)
{
  sqlite3_stmt *s = NULL;
  int ok = 0;
  if (sqlite3_prepare_v2(db,
                         "SELECT 1 FROM sqlite_master WHERE type='table' AND "
                         "name=?",
                         -1, &s, NULL) == SQLITE_OK) {
    sqlite3_bind_text(s, 1, t, -1, SQLITE_STATIC);
    ok = sqlite3_step(s) == SQLITE_ROW;
  }
  sqlite3_finalize(s);
  return ok;
}

static const char *col(sqlite3_stmt *s, int i)
{
  const unsigned char *t = sqlite3_column_text(s, i);
  return t ? (const char *)t : "";
}

/* WebKit microseconds since 1601 to FILETIME (100 ns since 1601). */
static uint64_t webkit_ft(int64_t us)
{
  return us > 0 && us < INT64_C(265046774399999999) ? (uint64_t)us * 10u : 0;
}

static art_status query_fail(art_ctx *ctx, sqlite3 *db, const char *name)
{
  return art__set_error(ctx, ART_ERR_CORRUPT, 0, "%s: %s", name,
                        sqlite3_errmsg(db));
}

static const char *transition_name(int64_t t)
{
  static const char *const core[] = {"LINK",
                                     "TYPED",
                                     "AUTO_BOOKMARK",
                                     "AUTO_SUBFRAME",
                                     "MANUAL_SUBFRAME",
                                     "GENERATED",
                                     "START_PAGE",
                                     "FORM_SUBMIT",
                                     "RELOAD",
                                     "KEYWORD",
                                     "KEYWORD_GENERATED"};
  unsigned c = (unsigned)(t & 0xFF);
  return c < sizeof core / sizeof core[0] ? core[c] : "UNKNOWN";
}

art_status art_win_parse_chrome_history(art_ctx *ctx,
                                        const art_win_input *in,
                                        art_win_event_fn fn,
                                        void *user)
{
  sqlite3 *db = NULL;
  art_status st = db_open(ctx, in, &db);
  if (st != ART_OK)
    return st;
  if (!has_table(db, "urls") || !has_table(db, "visits")) {
    sqlite3_close(db);
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: no urls/visits tables (not a Chrome History)",
                          in->name);
  }
  win_rec r = {0};
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT urls.url, urls.title, urls.visit_count, "
                         "urls.typed_count, urls.hidden, visits.visit_time, "
                         "visits.from_visit, visits.transition, visits.id "
                         "FROM urls, visits WHERE urls.id = visits.url "
                         "ORDER BY visits.id",
                         -1, &s, NULL) != SQLITE_OK) {
    st = query_fail(ctx, db, in->name);
    goto out;
  }
  int rc;
  while (st == ART_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    win_rec_reset(&r);
    int64_t tr = sqlite3_column_int64(s, 7);
    win_attr(&r, "url", "%s", col(s, 0));
    win_attr(&r, "title", "%s", col(s, 1));
    win_attr(&r, "visit_count", "%lld", (long long)sqlite3_column_int64(s, 2));
    win_attr(&r, "typed_count", "%lld", (long long)sqlite3_column_int64(s, 3));
    win_attr(&r, "url_hidden", "%s",
             sqlite3_column_int64(s, 4) ? "true" : "false");
    win_attr(&r, "from_visit", "%lld", (long long)sqlite3_column_int64(s, 6));
    win_attr(&r, "page_transition_type", "%s", transition_name(tr));
    win_attr(&r, "visit_id", "%lld", (long long)sqlite3_column_int64(s, 8));
    st = win_emit_ft(
        &r, ctx, fn, user, webkit_ft(sqlite3_column_int64(s, 5)),
        "chrome:history:page_visited", "Last Visited Time", "WEBHIST",
        "Chrome History", "%s (%s) [count: %lld] Type: [%s]", col(s, 0),
        col(s, 1), (long long)sqlite3_column_int64(s, 3), transition_name(tr));
  }
  sqlite3_finalize(s);
  s = NULL;
  if (st != ART_OK)
    goto out;
  /* downloads: current schema (downloads + downloads_url_chains, WebKit
   * times) or the old one (url and full_path columns, POSIX seconds) */
  int chains = has_table(db, "downloads_url_chains");
  const char *q =
      chains ? "SELECT d.id, c.url, d.target_path, d.start_time, "
               "d.received_bytes, d.total_bytes, d.end_time FROM downloads d "
               "LEFT JOIN downloads_url_chains c ON c.id = d.id AND "
               "c.chain_index = 0 ORDER BY d.id"
             : "SELECT id, url, full_path, start_time, received_bytes, "
               "total_bytes, 0 FROM downloads ORDER BY id";
  if (has_table(db, "downloads")) {
    if (sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK) {
      st = query_fail(ctx, db, in->name);
      goto out;
    }
    while (st == ART_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
      win_rec_reset(&r);
      win_attr(&r, "download_id", "%lld",
               (long long)sqlite3_column_int64(s, 0));
      win_attr(&r, "url", "%s", col(s, 1));
      win_attr(&r, "full_path", "%s", col(s, 2));
      win_attr(&r, "received_bytes", "%lld",
               (long long)sqlite3_column_int64(s, 4));
      win_attr(&r, "total_bytes", "%lld",
               (long long)sqlite3_column_int64(s, 5));
      int64_t t = sqlite3_column_int64(s, 3);
      uint64_t ft = chains  ? webkit_ft(t)
                    : t > 0 ? (uint64_t)(t + INT64_C(11644473600)) * 10000000u
                            : 0;
      st = win_emit_ft(&r, ctx, fn, user, ft, "chrome:history:file_downloaded",
                       "File Downloaded", "WEBHIST", "Chrome History",
                       "%s (%s). Received %lld bytes out of: %lld bytes.",
                       col(s, 1), col(s, 2),
                       (long long)sqlite3_column_int64(s, 4),
                       (long long)sqlite3_column_int64(s, 5));
    }
  }
out:
  sqlite3_finalize(s);
  win_rec_free(&r);
  sqlite3_close(db);
  return st;
}

/* PRTime (microseconds since 1970) as FILETIME. */
static uint64_t prtime_ft(int64_t us)
{
  if (us <= 0 || us > INT64_C(253402300799000000))
    return 0;
  return (uint64_t)us * 10u + UINT64_C(116444736000000000);
}

static const char *visit_type(int64_t t)
{
  static const char *const n[] = {"",
                                  "LINK",
                                  "TYPED",
                                  "BOOKMARK",
                                  "EMBED",
                                  "REDIRECT_PERMANENT",
                                  "REDIRECT_TEMPORARY",
                                  "DOWNLOAD",
                                  "FRAMED_LINK",
                                  "RELOAD"};
  return t > 0 && t < 10 ? n[t] : "UNKNOWN";
}

art_status art_win_parse_firefox_places(art_ctx *ctx,
                                        const art_win_input *in,
                                        art_win_event_fn fn,
                                        void *user)
{
  sqlite3 *db = NULL;
  art_status st = db_open(ctx, in, &db);
  if (st != ART_OK)
    return st;
  if (!has_table(db, "moz_places") || !has_table(db, "moz_historyvisits")) {
    sqlite3_close(db);
    return art__set_error(ctx, ART_ERR_FORMAT, 0,
                          "%s: no moz_places/moz_historyvisits tables (not a "
                          "Firefox places.sqlite)",
                          in->name);
  }
  win_rec r = {0};
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2(
          db,
          "SELECT v.visit_date, p.url, p.title, p.visit_count, v.visit_type, "
          "p.rev_host, p.hidden, p.typed, v.id, v.from_visit FROM "
          "moz_places p, moz_historyvisits v WHERE p.id = v.place_id ORDER "
          "BY v.id",
          -1, &s, NULL) != SQLITE_OK) {
    st = query_fail(ctx, db, in->name);
    goto out;
  }
  while (st == ART_OK && sqlite3_step(s) == SQLITE_ROW) {
    win_rec_reset(&r);
    int64_t vt = sqlite3_column_int64(s, 4);
    win_attr(&r, "url", "%s", col(s, 1));
    win_attr(&r, "title", "%s", col(s, 2));
    win_attr(&r, "visit_count", "%lld", (long long)sqlite3_column_int64(s, 3));
    win_attr(&r, "visit_type", "%lld", (long long)vt);
    win_attr(&r, "host", "%s", col(s, 5));
    win_attr(&r, "hidden", "%lld", (long long)sqlite3_column_int64(s, 6));
    win_attr(&r, "typed", "%lld", (long long)sqlite3_column_int64(s, 7));
    win_attr(&r, "visit_id", "%lld", (long long)sqlite3_column_int64(s, 8));
    win_attr(&r, "from_visit", "%lld", (long long)sqlite3_column_int64(s, 9));
    st = win_emit_ft(
        &r, ctx, fn, user, prtime_ft(sqlite3_column_int64(s, 0)),
        "firefox:places:page_visited", "Last Visited Time", "WEBHIST",
        "Firefox History", "%s (%s) [count: %lld] Transition: %s", col(s, 1),
        col(s, 2), (long long)sqlite3_column_int64(s, 3), visit_type(vt));
  }
  sqlite3_finalize(s);
  s = NULL;
  if (st != ART_OK || !has_table(db, "moz_bookmarks"))
    goto out;
  if (sqlite3_prepare_v2(db,
                         "SELECT b.id, b.type, b.title, b.dateAdded, "
                         "b.lastModified, p.url, p.visit_count FROM "
                         "moz_bookmarks b LEFT JOIN moz_places p ON p.id = "
                         "b.fk ORDER BY b.id",
                         -1, &s, NULL) != SQLITE_OK) {
    st = query_fail(ctx, db, in->name);
    goto out;
  }
  while (st == ART_OK && sqlite3_step(s) == SQLITE_ROW) {
    int64_t type = sqlite3_column_int64(s, 1);
    const char *tn = type == 1 ? "URL" : type == 2 ? "Folder" : "Separator";
    win_rec_reset(&r);
    win_attr(&r, "bookmark_id", "%lld", (long long)sqlite3_column_int64(s, 0));
    win_attr(&r, "type", "%s", tn);
    win_attr(&r, "title", "%s", col(s, 2));
    win_attr(&r, "url", "%s", col(s, 5));
    win_attr(&r, "visit_count", "%lld", (long long)sqlite3_column_int64(s, 6));
    static const char *const descs[2] = {"Creation Time",
                                         "Content Modification Time"};
    for (int k = 0; k < 2 && st == ART_OK; k++)
      st = win_emit_ft(&r, ctx, fn, user,
                       prtime_ft(sqlite3_column_int64(s, 3 + k)),
                       type == 2 ? "firefox:places:bookmark_folder"
                                 : "firefox:places:bookmark",
                       descs[k], "WEBHIST", "Firefox History",
                       "Bookmark %s %s (%s) [visit count: %lld]", tn, col(s, 2),
                       col(s, 5), (long long)sqlite3_column_int64(s, 6));
  }
out:
  sqlite3_finalize(s);
  win_rec_free(&r);
  sqlite3_close(db);
  return st;
}
