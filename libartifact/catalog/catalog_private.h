/* Internal declarations shared by the evidence catalogue's files.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_CATALOG_PRIVATE_H
#define ART_CATALOG_PRIVATE_H

#include <artifact/catalog.h>
#include <artifact/magic.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>

#include "ctx_private.h"

#define ART__CAT_HASH_LEN 32
#define ART__CAT_SIG_LEN  64
#define ART__CAT_MAGIC    "LART-CUSTODY-V1"
#define ART__CAT_BUSY_MS  60000

/* Canonical event fields, in encoding order; the field id is index + 1. */
enum {
  ART__EV_UUID = 0,
  ART__EV_TYPE,
  ART__EV_RECORDED_AT,
  ART__EV_OCCURRED_AT,
  ART__EV_ACTOR,
  ART__EV_CASE,
  ART__EV_ITEM,
  ART__EV_FROM,
  ART__EV_TO,
  ART__EV_PURPOSE,
  ART__EV_LOCATION,
  ART__EV_PAYLOAD,
  ART__EV_KEY_ID,
  ART__EV_NFIELDS
};

/* One event as stored: field strings (NULL when absent), chain links and
 * the optional signature. */
typedef struct art__cat_event {
  uint64_t seq;
  const char *f[ART__EV_NFIELDS];
  uint8_t prev[ART__CAT_HASH_LEN];
  uint8_t hash[ART__CAT_HASH_LEN];
  uint8_t sig[ART__CAT_SIG_LEN];
  int has_sig;
} art__cat_event;

struct art_catalog_key {
  EVP_PKEY *pkey;
  int has_private;
  uint8_t pub[32];
  char id[33];
};

/* ---- storage interface ----
 * Everything above this line of the catalogue (chain, signatures,
 * checkpoints, rules of custody, exports, verify) is shared; a store gives
 * it SQL statements over the same tables (docs/catalog-format.md), in
 * SQLite (store_sqlite.c) or PostgreSQL (store_pg.c). Statements are
 * written with ? or ?N placeholders; a store translates what its engine
 * needs. Step results and bind modes mirror SQLite's. */
enum { ART__CAT_OK = 0, ART__CAT_ROW = 100, ART__CAT_DONE = 101 };
enum { ART__CAT_STATIC = 0, ART__CAT_TRANSIENT = 1 };
#define ART__CAT_NULL 5 /* art__cat_col_type of a NULL value */

typedef struct art__cat_store art__cat_store;
/* A store's statement begins with this header. */
typedef struct art__cat_stmt {
  const art__cat_store *ops;
  art_catalog *cat;
} art__cat_stmt;

enum { ART__CAT_SQLITE = 1, ART__CAT_PG = 2 };

struct art__cat_store {
  const char *name; /* "SQLite", "PostgreSQL" */
  int kind;
  /* Open TARGET (a path or a URL) into CAT->db, create or check the schema
   * and read the catalogue's id into CAT->uuid. */
  art_status (*open)(art_ctx *ctx,
                     art_catalog *cat,
                     const char *target,
                     unsigned flags);
  void (*close)(art_catalog *cat);
  art_status (*error)(art_ctx *ctx, art_catalog *cat, const char *what);
  art_status (*exec)(art_ctx *ctx, art_catalog *cat, const char *sql);
  art_status (*prepare)(art_ctx *ctx,
                        art_catalog *cat,
                        const char *sql,
                        int persistent,
                        art__cat_stmt **st);
  void (*finalize)(art__cat_stmt *st);
  void (*reset)(art__cat_stmt *st); /* also clears the bindings */
  int (*bind_text)(art__cat_stmt *st, int idx, const char *s, int len);
  int (*bind_int64)(art__cat_stmt *st, int idx, int64_t v);
  int (*bind_blob)(art__cat_stmt *st, int idx, const void *p, int len);
  int (*bind_null)(art__cat_stmt *st, int idx);
  int (*step)(art__cat_stmt *st); /* ART__CAT_ROW, _DONE or an error */
  int (*col_count)(art__cat_stmt *st);
  const char *(*col_name)(art__cat_stmt *st, int i);
  int (*col_type)(art__cat_stmt *st, int i); /* ART__CAT_NULL or not */
  const char *(*col_text)(art__cat_stmt *st, int i);
  int64_t (*col_int64)(art__cat_stmt *st, int i);
  const void *(*col_blob)(art__cat_stmt *st, int i);
  int (*col_bytes)(art__cat_stmt *st, int i);
  /* A write transaction that holds the chain head: appenders queue here,
   * so two never build on the same head. */
  art_status (*tx_begin)(art_ctx *ctx, art_catalog *cat);
  art_status (*tx_commit)(art_ctx *ctx, art_catalog *cat);
  void (*tx_rollback)(art_catalog *cat);
  /* A consistent snapshot for reading (verify); 1 when one was started. */
  int (*read_begin)(art_catalog *cat);
  void (*read_end)(art_catalog *cat);
  /* A consistent copy of the catalogue into the SQLite file TMP (DEST is
   * its final name, for messages). */
  /* After a copy wrote explicit ids: make new rows continue after them. */
  art_status (*after_copy)(art_ctx *ctx, art_catalog *cat);
  art_status (*backup)(art_ctx *ctx,
                       art_catalog *cat,
                       const char *dest,
                       const char *tmp);
};

extern const art__cat_store art__cat_store_sqlite;
extern const art__cat_store art__cat_store_pg;
/* The store a --db value names: postgresql:// or postgres:// URLs (and
 * libpq key=value strings starting "postgresql:") are PostgreSQL,
 * anything else a SQLite file. */
const art__cat_store *art__cat_store_for(const char *target);

int art__cat_step(art__cat_stmt *st);
void art__cat_reset(art__cat_stmt *st);
int art__cat_bind_text5(
    art__cat_stmt *st, int idx, const char *s, int len, int mode);
int art__cat_bind_int64(art__cat_stmt *st, int idx, int64_t v);
int art__cat_bind_blob(
    art__cat_stmt *st, int idx, const void *p, int len, int mode);
int art__cat_bind_null(art__cat_stmt *st, int idx);
int art__cat_col_count(art__cat_stmt *st);
const char *art__cat_col_name(art__cat_stmt *st, int i);
int art__cat_col_type(art__cat_stmt *st, int i);
const char *art__cat_col_text(art__cat_stmt *st, int i);
int64_t art__cat_col_int64(art__cat_stmt *st, int i);
const void *art__cat_col_blob(art__cat_stmt *st, int i);
int art__cat_col_bytes(art__cat_stmt *st, int i);

/* Schema text shared by the stores: the meta keys written at creation. */
art_status art__cat_meta_init(art_ctx *ctx, art_catalog *cat);
/* Open DEST as a new, empty catalogue that takes SRC's id and creation
 * time (for art_catalog_copy); refused when DEST holds a catalogue. */
art_status art__cat_open_copy(art_ctx *ctx,
                              const char *dest,
                              const art_catalog *src,
                              art_catalog **out);
/* Read the catalogue id from meta into CAT->uuid. */
art_status art__cat_meta_read(art_ctx *ctx, art_catalog *cat);

struct art_catalog {
  /* The engine's handle (sqlite3 * or PGconn *); tests reach the SQLite
   * one directly to tamper with a catalogue. */
  void *db;
  const art__cat_store *ops;
  char *path; /* as given, with any password in a URL masked */
  char uuid[40];
  const art_catalog *copy_of; /* creating a copy of this catalogue */
  int created;                /* the schema was made by this open */
  int readonly;
  int in_batch; /* inside art_catalog_begin() */
  art_catalog_key *signer;
  art_magic *magic; /* loaded on first use, kept: loading is slow */
  /* Prepared statements kept for reuse, keyed by their SQL text: an append
   * runs the same handful of statements every time. */
  struct {
    char *sql;
    art__cat_stmt *st;
    int busy;
  } stmts[32];
  int magic_failed;
  int wal_pending; /* the last checkpoint of the WAL did not finish */
  char paper[16];  /* HTML register page size: "A4" or "letter" */
  /* HTML register dates' zone ("" is UTC) */
  char display_tz[64];
};

/* A growing byte buffer. */
typedef struct art__buf {
  char *data;
  size_t len, cap;
  int failed;
  /* When set, the buffer is a window: past ART__BUF_FLUSH bytes its content
   * goes to FLUSH (which returns nonzero on failure) and it starts over. */
  int (*flush)(void *ud, const void *data, size_t len);
  void *flush_ud;
} art__buf;

#define ART__BUF_FLUSH (1u << 20)
/* Hand what is buffered to the flush hook (no-op without one). */
void art__buf_flush(art__buf *b);

void art__buf_add(art__buf *b, const void *data, size_t len);
void art__buf_str(art__buf *b, const char *s);
void art__buf_printf(art__buf *b, const char *fmt, ...) ART_PRINTF(2, 3);
void art__buf_free(art__buf *b);

/* Field names of the item register (column names), NULL-terminated. */
extern const char *const art__cat_item_fields[];
int art__cat_item_field_index(const char *name);

struct art_catalog_fields {
  char **values;           /* indexed like art__cat_item_fields */
  json_t *declared;        /* [{"algorithm", "value"}] */
  char tz[8];              /* offset for zone-less dates ("" unknown) */
  char acquired_offset[8]; /* the offset --acquired-at was given with */
};

/* schema.c */
art_status art__cat_db_error(art_ctx *ctx, art_catalog *cat, const char *what);
art_status art__cat_exec(art_ctx *ctx, art_catalog *cat, const char *sql);
/* Done with a statement from art__cat_prepare: reset for reuse when it is
 * a cached one, finalized otherwise. */
void art__cat_finish(art_catalog *cat, art__cat_stmt *st);
art_status art__cat_prepare(art_ctx *ctx,
                            art_catalog *cat,
                            const char *sql,
                            art__cat_stmt **st);
art_status art__cat_tx_begin(art_ctx *ctx, art_catalog *cat);
/* Offset (1-based) of the first byte that is not valid UTF-8, 0 if none. */
size_t art__cat_utf8_bad(const char *s);
/* ART_ERR_INVALID_ARG naming WHAT when S is not valid UTF-8. */
art_status art__cat_check_text(art_ctx *ctx, const char *what, const char *s);
/* S with each byte that is not valid UTF-8 written as \xHH and each
 * backslash doubled (only when S has such bytes); malloc'd. */
char *art__cat_escape_bytes(const char *s);
/* Append S shown safely: control characters escaped (\xHH, \n, \t),
 * bidirectional and invisible characters as visible markers (<U+202E>, or
 * in HTML a [U+202E] span), bytes that are not UTF-8 as \xHH; with HTML
 * also the markup characters escaped. */
void art__cat_text_safe(art__buf *b, const char *s, int html);
/* A parsed RFC 3339 date: UTC seconds, fraction digits, the offset. */
typedef struct art__cat_time {
  int64_t secs;
  char frac[10];
  int offset_min;
  int utc_given;
  char utc[48];   /* normalised: YYYY-MM-DDTHH:MM:SS[.f]Z */
  char offset[8]; /* "Z" or "+HH:MM" as given */
} art__cat_time;
art_status art__cat_time_parse(art_ctx *ctx,
                               const char *what,
                               const char *s,
                               art__cat_time *t);
void art__cat_time_format_utc(int64_t secs,
                              const char *frac,
                              char *out,
                              size_t len);
art_status art__cat_tx_commit(art_ctx *ctx, art_catalog *cat);
void art__cat_tx_rollback(art_catalog *cat);
/* The end of a transaction begun by art__cat_tx_begin: committed when ST
 * is ART_OK (the commit's status), else rolled back (ST). */
art_status art__cat_tx_end(art_ctx *ctx, art_catalog *cat, art_status st);
void art__cat_now(char *buf, size_t len);
void art__cat_uuid4(char *buf, size_t len);
void art__cat_hex(const uint8_t *data, size_t len, char *out);
int art__cat_unhex(const char *hex, uint8_t *out, size_t len);
art_status art__cat_bind_text(
    art_ctx *ctx, art_catalog *cat, art__cat_stmt *st, int idx, const char *s);
char *art__cat_json_dump(const json_t *j); /* compact, sorted keys */

/* chain.c */
void art__cat_genesis(const char *catalog_uuid, uint8_t out[ART__CAT_HASH_LEN]);
/* Canonical record bytes of EV (seq, prev and fields) into B. */
void art__cat_encode(const art__cat_event *ev, art__buf *b);
/* record_hash = SHA-256(0x00 || record bytes). */
int art__cat_record_hash(const art__cat_event *ev,
                         uint8_t out[ART__CAT_HASH_LEN]);
int art__cat_sha256(const void *data,
                    size_t len,
                    uint8_t out[ART__CAT_HASH_LEN]);
/* The message an event signature covers. */
void art__cat_sig_message(const uint8_t hash[ART__CAT_HASH_LEN],
                          uint8_t *msg,
                          size_t *len);
#define ART__CAT_SIG_MSG_MAX 64

/* keys.c */
int art__cat_key_sign(const art_catalog_key *key,
                      const void *msg,
                      size_t len,
                      uint8_t sig[ART__CAT_SIG_LEN]);
int art__cat_verify_sig(const uint8_t pub[32],
                        const void *msg,
                        size_t len,
                        const uint8_t sig[ART__CAT_SIG_LEN]);
int art__cat_verify_sig_pkey(EVP_PKEY *pkey,
                             const void *msg,
                             size_t len,
                             const uint8_t sig[ART__CAT_SIG_LEN]);
void art__cat_key_id_of(const uint8_t pub[32], char id[33]);
/* Whether KEY_ID is registered to ACTOR and not revoked (in the db). */
art_status art__cat_key_check(art_ctx *ctx,
                              art_catalog *cat,
                              const char *key_id,
                              const char *actor);

/* [{key_id, owner, role, public_key, fingerprint_sha256, registered_seq,
 * revoked_seq?, authorised_by}] from the key events. */
json_t *art__cat_keys_json(art_ctx *ctx, art_catalog *cat);
art_status art__cat_admin_id(art_ctx *ctx, art_catalog *cat, char id[33]);
/* Proof of possession: "LART-CUSTODY-V1 key-proof" 0x00 || catalog uuid
 * 0x00 || owner 0x00 || raw public key, signed by the key. */
void art__cat_proof_message(const char *catalog,
                            const char *owner,
                            const uint8_t pub[32],
                            art__buf *b);
int art__cat_proof_ok(const char *catalog,
                      const char *owner,
                      const uint8_t pub[32],
                      const char *proof_hex);

/* events.c */
const char *art__cat_event_type_norm(const char *type);
/* The user event types, space-separated, for messages. */
const char *art__cat_event_types(void);
/* Append EV (fields set, seq/prev/hash filled in here) inside the current
 * transaction; signs with the catalogue's signer when set and EV's actor
 * owns it. ITEM_ID 0 when the event is not about an item. */
art_status art__cat_append(art_ctx *ctx,
                           art_catalog *cat,
                           art__cat_event *ev,
                           int64_t item_id);
/* Read events in seq order: rows (seq, fields..., prev, hash, sig). */
#define ART__CAT_EVENT_COLS                                                    \
  "seq, uuid, type, recorded_at, occurred_at, actor, case_number, "            \
  "item_number, from_actor, to_actor, purpose, location, payload, key_id, "    \
  "prev_hash, record_hash, signature"
void art__cat_event_from_row(art__cat_stmt *st, art__cat_event *ev);
/* Ensure ACTOR / LOCATION exist in their tables. */
art_status
art__cat_actor_touch(art_ctx *ctx, art_catalog *cat, const char *name);
art_status
art__cat_location_touch(art_ctx *ctx, art_catalog *cat, const char *name);

/* Derived state of one item from its events (the rules of custody in
 * docs/catalog-format.md; event_add refuses what they do not allow). */
typedef struct art__cat_state {
  char custodian[256];
  char location[256];
  char status[32];
  char last_verified[64];
  char last_verify_result[32];
  char checked_out_to[256];
  char seal_number[128];
  int sealed;
  int terminal;         /* disposed of or returned: no further custody */
  uint64_t pending;     /* seq of a transfer not yet acknowledged, or 0 */
  char pending_to[256]; /* its receiver */
  char pending_hash[65];
  int has_time;      /* last_secs is set */
  int64_t last_secs; /* the latest event date so far (UTC seconds) */
  long last_nanos;
  uint64_t events;
} art__cat_state;
/* Fold one event into S. */
void art__cat_state_apply(art__cat_state *s,
                          const char *type,
                          const char *actor,
                          const char *to,
                          const char *loc,
                          const char *payload,
                          const char *occurred,
                          const char *recorded,
                          uint64_t seq,
                          const uint8_t *record_hash);
art_status art__cat_item_state(art_ctx *ctx,
                               art_catalog *cat,
                               int64_t item_id,
                               art__cat_state *state);

/* items.c */
/* Find an item by number (CASE_NUMBER optional). */
art_status art__cat_item_find(art_ctx *ctx,
                              art_catalog *cat,
                              const char *case_number,
                              const char *item,
                              int64_t *item_id);
/* JSON object of an item's register fields, hashes and state. */
json_t *art__cat_item_json(art_ctx *ctx,
                           art_catalog *cat,
                           int64_t item_id,
                           int with_events);
json_t *art__cat_event_json(const art__cat_event *ev);
/* Hash one evidence path: md5/sha1/sha256 computed and any stored ones. */
art_status art__cat_hash_path(art_ctx *ctx,
                              art_catalog *cat,
                              const char *path,
                              json_t **hashes,
                              json_t **info);

/* checkpoint.c */
typedef struct art__cat_checkpoint {
  char catalog[40];
  uint64_t size;
  uint8_t head[ART__CAT_HASH_LEN];
  char time[64];
  char actor[256];
  int signed_;
  char key_id[33];
  uint8_t pub[32];
  uint8_t sig[ART__CAT_SIG_LEN];
  size_t body_len; /* bytes of the text the signature covers */
} art__cat_checkpoint;
art_status art__cat_checkpoint_parse(art_ctx *ctx,
                                     const char *text,
                                     size_t len,
                                     art__cat_checkpoint *cp);
/* Verify a parsed checkpoint's signature over TEXT. */
int art__cat_checkpoint_sig_ok(const art__cat_checkpoint *cp, const char *text);
art_status art__cat_checkpoint_make(art_ctx *ctx,
                                    art_catalog *cat,
                                    const char *actor,
                                    char **text);
/* The checkpoint text found in DATA: a checkpoint file or an earlier export
 * (JSON, JSONL, CASE, CSV or HTML). NULL when there is none. */
char *art__cat_checkpoint_extract(const char *data, size_t len);
/* The newest checkpoint's text (NULL when none). */
art_status
art__cat_checkpoint_latest(art_ctx *ctx, art_catalog *cat, char **text);

/* export_*.c: each writes the whole export into OUT. CP is the checkpoint
 * text made for this export. */
art_status art__cat_export_csv(art_ctx *ctx,
                               art_catalog *cat,
                               art__buf *out,
                               const char *cp);
art_status art__cat_export_custody_csv(art_ctx *ctx,
                                       art_catalog *cat,
                                       art__buf *out,
                                       const char *cp);
art_status art__cat_export_json(
    art_ctx *ctx, art_catalog *cat, art__buf *out, const char *cp, int lines);
art_status art__cat_export_html(art_ctx *ctx,
                                art_catalog *cat,
                                art__buf *out,
                                const char *cp);
art_status art__cat_export_case(art_ctx *ctx,
                                art_catalog *cat,
                                art__buf *out,
                                const char *cp);
/* {"cases", "items" (without events), "checkpoints"}. */
json_t *art__cat_collect(art_ctx *ctx, art_catalog *cat);
/* Call CB with each event as JSON (borrowed for the call), in ORDER (an SQL
 * ORDER BY clause), only those of ITEM_ID when it is > 0. CB returns 0 to go
 * on. Streams: the events are never all in memory. */
typedef int (*art__cat_event_cb)(void *ud, json_t *event);
art_status art__cat_each_event(art_ctx *ctx,
                               art_catalog *cat,
                               const char *order,
                               int64_t item_id,
                               art__cat_event_cb cb,
                               void *ud);
/* A file written under a temporary name in the destination's folder and
 * renamed into place only when complete (never over an existing file
 * unless ART_CATALOG_FORCE). */
typedef struct art__cat_tmpfile {
  char *tmp, *dest;
  int fd, done, err;
  unsigned flags;
  art_ctx *ctx;
} art__cat_tmpfile;
art_status art__cat_tmp_create(art_ctx *ctx,
                               const char *dest,
                               unsigned flags,
                               art__cat_tmpfile *t);
art_status art__cat_tmp_write(art_ctx *ctx,
                              art__cat_tmpfile *t,
                              const void *data,
                              size_t len);
/* fsync, then rename into place. */
art_status art__cat_tmp_commit(art_ctx *ctx, art__cat_tmpfile *t);
/* Close and remove the temporary file (if not committed); frees T. */
void art__cat_tmp_discard(art__cat_tmpfile *t);
/* One CSV field, RFC 4180 quoted, formula injection neutralised. */
void art__cat_csv_field(art__buf *b, const char *s, int last);

#endif
