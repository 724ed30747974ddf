/* The evidence catalogue: cases, evidence items and their hashes, and an
 * append-only, hash-chained and optionally signed chain of custody, kept in
 * one SQLite file or a PostgreSQL database (docs/catalog-postgresql.md).
 * SPDX-License-Identifier: Apache-2.0
 *
 * Outline: art_catalog_open() a catalogue (ART_CATALOG_CREATE to make one);
 * art_catalog_set_signer() with an examiner's key to sign what follows;
 * art_catalog_case_add(), art_catalog_item_add() (which hashes the file or
 * image through art_source/art_reader/art_hash), art_catalog_event_add();
 * read back with art_catalog_item_show()/art_catalog_list() (JSON text);
 * art_catalog_checkpoint(), art_catalog_verify(), art_catalog_export();
 * art_catalog_free().
 *
 * Custody events are never changed or deleted: every event is encoded in a
 * canonical byte form (docs/catalog-format.md) and hashed into a SHA-256
 * chain bound to the catalogue's id; an item's custodian, location and
 * status are derived from its events. Appends run inside BEGIN IMMEDIATE
 * transactions, so several processes may append to one catalogue at once.
 * A catalogue handle is used by one thread at a time.
 */
#ifndef ART_CATALOG_H
#define ART_CATALOG_H

#include "ctx.h"

ART_BEGIN_DECLS

typedef struct art_catalog art_catalog;
typedef struct art_catalog_key art_catalog_key;
typedef struct art_catalog_fields art_catalog_fields;

/* SQLite application_id ("LART") and schema version (user_version). */
#define ART_CATALOG_APPLICATION_ID 0x4C415254
#define ART_CATALOG_SCHEMA_VERSION 1

enum {
  ART_CATALOG_CREATE = 1u << 0,  /* create the file if it does not exist */
  ART_CATALOG_READONLY = 1u << 1 /* open read-only (verify, show, list) */
};

/* Open PATH: a SQLite file, or a postgresql:// (postgres://) URL for the
 * PostgreSQL store. ART_ERR_FORMAT when the file is not a catalogue,
 * ART_ERR_UNSUPPORTED when its schema is newer than this library's,
 * ART_ERR_NOT_FOUND when it does not exist and CREATE was not given. */
ART_API art_status art_catalog_open(art_ctx *ctx,
                                    const char *path,
                                    unsigned flags,
                                    art_catalog **out);
ART_API void art_catalog_free(art_catalog *cat);
/* The catalogue's id (a UUID), borrowed. */
ART_API const char *art_catalog_uuid(const art_catalog *cat);
/* The engine the catalogue is kept in: "SQLite" or "PostgreSQL". */
ART_API const char *art_catalog_store_name(const art_catalog *cat);

/* Item and event field sets: NAME=VALUE pairs (see art_catalog_field_names
 * for the item fields). */
ART_API art_status art_catalog_fields_new(art_ctx *ctx,
                                          art_catalog_fields **out);
ART_API void art_catalog_fields_free(art_catalog_fields *f);
/* Set NAME (copied) to VALUE (copied; NULL removes it). ART_ERR_INVALID_ARG
 * for a name that is not an item field, text that is not UTF-8, an
 * acquired_at that is not an RFC 3339 date (stored normalised to UTC), a
 * size_bytes that is not a number or an unknown derivation. */
ART_API art_status art_catalog_fields_set(art_ctx *ctx,
                                          art_catalog_fields *f,
                                          const char *name,
                                          const char *value);
/* Add a hash declared by a third party (ALG one of md5, sha1, sha256,
 * sha512; HEX its digest), recorded with origin "declared" and compared
 * with the hash computed here. */
ART_API art_status art_catalog_fields_add_hash(art_ctx *ctx,
                                               art_catalog_fields *f,
                                               const char *alg,
                                               const char *hex);
/* The zone of dates that carry none (an E01 header's acquisition date):
 * "UTC", "Z" or "+HH:MM"/"-HH:MM". Without it such a date is stored
 * without a zone and flagged as such. */
ART_API art_status art_catalog_fields_set_tz(art_ctx *ctx,
                                             art_catalog_fields *f,
                                             const char *tz);
/* The item field names, NULL-terminated. */
ART_API const char *const *art_catalog_field_names(void);

/* Examiner keys (Ed25519). Generate writes PATH (PKCS#8 PEM encrypted with
 * PASSPHRASE, mode 0600, never overwriting) and PATH.pub (public PEM). */
ART_API art_status art_catalog_key_generate(art_ctx *ctx,
                                            const char *path,
                                            const char *passphrase);
/* Load a private key (encrypted PEM, with PASSPHRASE) or a public PEM key. */
ART_API art_status art_catalog_key_load(art_ctx *ctx,
                                        const char *path,
                                        const char *passphrase,
                                        art_catalog_key **out);
ART_API void art_catalog_key_free(art_catalog_key *key);
/* The key id: hex of the first 16 bytes of SHA-256 of the raw public key. */
ART_API const char *art_catalog_key_id(const art_catalog_key *key);
/* Sign what ACTOR appends from now on with KEY (a private key registered to
 * ACTOR and not revoked; checked at each append). NULL stops signing. The
 * catalogue keeps its own reference; the caller still frees KEY. */
ART_API art_status art_catalog_set_signer(art_ctx *ctx,
                                          art_catalog *cat,
                                          const art_catalog_key *key);
/* Trust model (docs/catalog-format.md): a catalogue has one administrator
 * key, recorded by art_catalog_admin_init (an admin_key event signed by
 * that key; normally at init). Registering an examiner's key then needs
 * the administrator key as signer (art_catalog_set_signer) and a proof of
 * possession made by the new key (art_catalog_key_request); revoking needs
 * the administrator key or the revoked key itself. verify fails on any
 * registration or revocation not so authorised. Catalogues made before
 * administrator keys keep verifying, with their registrations reported as
 * unauthenticated. */
ART_API art_status art_catalog_admin_init(art_ctx *ctx,
                                          art_catalog *cat,
                                          const char *actor,
                                          const art_catalog_key *key);
/* A registration request for OWNER's KEY (private) in this catalogue: text
 * (the caller's, art_free) carrying the public key and the proof of
 * possession, for the administrator to register. */
ART_API art_status art_catalog_key_request(art_ctx *ctx,
                                           art_catalog *cat,
                                           const char *owner,
                                           const art_catalog_key *key,
                                           char **text);
/* Register the key of a request; ACTOR records it (the administrator). */
ART_API art_status art_catalog_key_register_request(art_ctx *ctx,
                                                    art_catalog *cat,
                                                    const char *actor,
                                                    const char *text,
                                                    size_t len);
/* Both steps at once, when the caller holds OWNER's private KEY. */
ART_API art_status art_catalog_key_register(art_ctx *ctx,
                                            art_catalog *cat,
                                            const char *actor,
                                            const char *owner,
                                            const art_catalog_key *key);
/* The keys of the chain with their owners, roles and SHA-256 fingerprints,
 * as JSON or text (the caller's, art_free). */
ART_API art_status art_catalog_keys(art_ctx *ctx,
                                    art_catalog *cat,
                                    int as_json,
                                    char **out);
/* Revoke the key with KEY_ID (a custody event). */
ART_API art_status art_catalog_key_revoke(art_ctx *ctx,
                                          art_catalog *cat,
                                          const char *actor,
                                          const char *key_id);

/* Open a case (recorded as a case_open event). */
ART_API art_status art_catalog_case_add(art_ctx *ctx,
                                        art_catalog *cat,
                                        const char *actor,
                                        const char *case_number,
                                        const char *title);

/* Register item ITEM of case CASE_NUMBER with the metadata in FIELDS (may be
 * NULL). With PATH, the file or image is read once through the core (md5,
 * sha1, sha256; an E01's stored hashes and header values are imported) and
 * size and type are filled in. Records a register event (and an acquire
 * event when the fields name an acquisition). Nothing is written when
 * anything fails. */
ART_API art_status art_catalog_item_add(art_ctx *ctx,
                                        art_catalog *cat,
                                        const char *actor,
                                        const char *case_number,
                                        const char *item,
                                        const art_catalog_fields *fields,
                                        const char *path,
                                        uint64_t *seq);

/* A custody event. Types: collect acquire transfer receive check_out
 * check_in access copy verify seal unseal move release return dispose note
 * amend analysis (the hyphenated forms check-out/check-in are accepted).
 * The rules of custody (docs/catalog-format.md) are enforced: an event that
 * could not have happened is refused with ART_ERR_INTEGRITY. */
typedef struct art_catalog_event_spec {
  const char *type;
  const char *case_number; /* optional when ITEM is unique in the catalogue */
  const char *item;        /* item number */
  const char *actor;       /* who records it; required */
  const char *from;        /* released by */
  const char *to;          /* received by */
  const char *purpose;
  const char *location;
  const char *occurred_at; /* RFC 3339; NULL: now */
  const char *note;
  const char *seal;
  const art_catalog_fields *amend; /* for amend: the fields that change */
  const char *late_entry;          /* reason an out-of-order date is recorded */
  const char *tool;                /* analysis: the tool (and version) used */
  const char *result;              /* analysis: what it found */
} art_catalog_event_spec;

ART_API art_status art_catalog_event_add(art_ctx *ctx,
                                         art_catalog *cat,
                                         const art_catalog_event_spec *spec,
                                         uint64_t *seq);

/* Group appends: between begin and commit every append shares one
 * transaction (bulk registration). Rollback drops them all. */
ART_API art_status art_catalog_begin(art_ctx *ctx, art_catalog *cat);
ART_API art_status art_catalog_commit(art_ctx *ctx, art_catalog *cat);
ART_API void art_catalog_rollback(art_catalog *cat);

/* Run a batch of operations, one JSON object per line, in one transaction:
 * {"op":"case","case":..,"title":..}, {"op":"item","case":..,"item":..,
 * "fields":{..},"path":..}, {"op":"event","type":..,"item":..,...}. Every
 * object may name its "actor" (default ACTOR). On any error nothing is
 * written and the message names the line. *COUNT: operations done. */
ART_API art_status art_catalog_batch(art_ctx *ctx,
                                     art_catalog *cat,
                                     const char *actor,
                                     const char *text,
                                     size_t len,
                                     uint64_t *count);

/* JSON text (the caller's, art_free) describing one item with its hashes,
 * derived state and custody history, or the list of items (ITEM NULL).
 * CASE_NUMBER may be NULL when the item number is unique. */
ART_API art_status art_catalog_item_show(art_ctx *ctx,
                                         art_catalog *cat,
                                         const char *case_number,
                                         const char *item,
                                         char **json);
ART_API art_status art_catalog_list(art_ctx *ctx,
                                    art_catalog *cat,
                                    char **json);
/* Human-readable renderings of the same. */
ART_API art_status art_catalog_item_show_text(art_ctx *ctx,
                                              art_catalog *cat,
                                              const char *case_number,
                                              const char *item,
                                              char **text);
ART_API art_status art_catalog_list_text(art_ctx *ctx,
                                         art_catalog *cat,
                                         char **text);

/* The cases (NUMBER NULL: all, one line each) or one case with its items,
 * as JSON or text (the caller's, art_free). */
ART_API art_status art_catalog_cases(art_ctx *ctx,
                                     art_catalog *cat,
                                     const char *number,
                                     int as_json,
                                     char **out);

/* Record a checkpoint of the chain head (size and head hash), signed with
 * the signer's key when one is set. *TEXT (may be NULL) receives the
 * checkpoint's text (art_free). */
ART_API art_status art_catalog_checkpoint(art_ctx *ctx,
                                          art_catalog *cat,
                                          const char *actor,
                                          char **text);

/* Verification result classes. */
typedef enum art_catalog_verdict {
  ART_CATALOG_PASS = 0,
  ART_CATALOG_MODIFIED,      /* an event's content no longer hashes */
  ART_CATALOG_MISSING,       /* an event is missing from the sequence */
  ART_CATALOG_REORDERED,     /* events out of their chained order */
  ART_CATALOG_TRUNCATED,     /* fewer events than a checkpoint covers */
  ART_CATALOG_REWRITTEN,     /* the head disagrees with a checkpoint */
  ART_CATALOG_BAD_SIGNATURE, /* a signature or its key does not hold */
  ART_CATALOG_HASH_MISMATCH, /* evidence re-read to a different hash */
  ART_CATALOG_REGISTER,      /* a register row disagrees with the chain */
  ART_CATALOG_FOREIGN        /* a checkpoint of another catalogue */
} art_catalog_verdict;

ART_API const char *art_catalog_verdict_name(art_catalog_verdict v);

typedef struct art_catalog_verify_opts {
  int rehash;                  /* re-read evidence, record verify events */
  const char *checkpoint_file; /* an external checkpoint to check against */
  const char *actor;           /* required with rehash */
  unsigned threads; /* signature checks in parallel; 0: one per core */
  /* Called now and then from the calling thread: PHASE "chain" (events
   * walked) or "signatures" (signatures checked), DONE of TOTAL. */
  void (*progress)(void *ud, const char *phase, uint64_t done, uint64_t total);
  void *progress_ud;
} art_catalog_verify_opts;

typedef struct art_catalog_verify_result {
  art_catalog_verdict verdict; /* the first failure's class, or PASS */
  uint64_t seq;                /* the first bad event (0 if none) */
  uint64_t events;             /* events in the chain */
  uint64_t signed_events;      /* events with a valid signature */
  uint64_t checkpoints;        /* checkpoints checked */
  unsigned rehashed;           /* items re-read (rehash) */
  unsigned unreadable;         /* items whose evidence could not be read */
  uint64_t anchored;  /* events covered by the newest checkpoint given out */
  int external_match; /* --checkpoint: 1 matched, 0 not checked, -1 not */
  char message[1024]; /* what happened, in words */
  /* rehash: the items that could not be re-read and why ("" if none) */
  char unreadable_items[1024];
  /* MESSAGE translated for a person (LC_MESSAGES); MESSAGE itself stays in
   * the C locale, as in the JSON report */
  char message_l[1024];
} art_catalog_verify_result;

/* Walk the chain, its signatures and checkpoints (and with REHASH re-read
 * the evidence). Returns ART_OK when the check ran, whatever the verdict;
 * an error when it could not run. *REPORT (may be NULL; art_free) receives
 * a JSON object with the same facts and the per-item rehash results. */
ART_API art_status art_catalog_verify(art_ctx *ctx,
                                      art_catalog *cat,
                                      const art_catalog_verify_opts *opts,
                                      art_catalog_verify_result *res,
                                      char **report);

/* Export formats. */
typedef enum art_catalog_format {
  ART_CATALOG_CSV = 0,     /* evidence register, RFC 4180 */
  ART_CATALOG_CUSTODY_CSV, /* custody log, RFC 4180 */
  ART_CATALOG_JSON,
  ART_CATALOG_JSONL,
  ART_CATALOG_HTML, /* printable register */
  ART_CATALOG_CASE  /* CASE/UCO 1.4 JSON-LD */
} art_catalog_format;

ART_API art_status art_catalog_format_parse(const char *name,
                                            art_catalog_format *fmt);

/* Receives the export's bytes; returns 0 on success. */
typedef int (*art_catalog_write_fn)(void *userdata,
                                    const void *data,
                                    size_t len);

/* Export in FMT: a checkpoint is made first and printed in the export, the
 * bytes go to WRITE, and then an export event with the bytes' SHA-256 is
 * recorded. *SHA256_HEX (may be NULL, ART_HASH_MAX_HEX bytes) receives it. */
ART_API art_status art_catalog_export(art_ctx *ctx,
                                      art_catalog *cat,
                                      const char *actor,
                                      art_catalog_format fmt,
                                      art_catalog_write_fn write,
                                      void *userdata,
                                      char *sha256_hex);

/* The zone the HTML register shows dates in, a tz database name
 * ("Asia/Tokyo") or "UTC" (the default), with the UTC time beside;
 * ART_ERR_INVALID_ARG when the system does not know it. In a Japanese
 * locale (LC_TIME) dates read 2026年12月3日 15:04:05 JST (UTC+9). */
ART_API art_status art_catalog_set_display_tz(art_ctx *ctx,
                                              art_catalog *cat,
                                              const char *zone);
/* The HTML register's paper: "a4" or "letter" (landscape); by default the
 * paper of the LC_PAPER locale (A4 in Japan and Europe, letter in the
 * Americas), A4 when it is unknown. */
ART_API art_status art_catalog_set_paper(art_ctx *ctx,
                                         art_catalog *cat,
                                         const char *paper);

/* Flags of the file-writing calls. */
enum { ART_CATALOG_FORCE = 1u << 0 /* replace an existing file */ };

/* Export in FMT into the file PATH: written under a temporary name in the
 * same folder, synced, then renamed into place, so PATH is either the
 * whole export or untouched; an existing PATH is refused unless FLAGS has
 * ART_CATALOG_FORCE. A full disk reads "disk full while writing PATH". */
ART_API art_status art_catalog_export_file(art_ctx *ctx,
                                           art_catalog *cat,
                                           const char *actor,
                                           art_catalog_format fmt,
                                           const char *path,
                                           unsigned flags,
                                           char *sha256_hex);

/* Copy the catalogue to DEST with SQLite's online backup API (a consistent
 * snapshot, -wal content included, while others keep appending), after
 * recording a checkpoint in it; then open the copy read-only and verify it
 * into *RES (may be NULL). Same file rules as art_catalog_export_file. */
ART_API art_status art_catalog_backup(art_ctx *ctx,
                                      art_catalog *cat,
                                      const char *actor,
                                      const char *dest,
                                      unsigned flags,
                                      art_catalog_verify_result *res);

/* Copy the whole catalogue CAT (cases, items, every event with its
 * signature, hashes, checkpoints, keeping its id and sequence numbers) into
 * a new catalogue DEST (a SQLite path or a postgresql:// URL; refused when
 * DEST already holds a catalogue), in one transaction, then verify the
 * copy into *RES (may be NULL). *ROWS (may be NULL) counts the rows. */
ART_API art_status art_catalog_copy(art_ctx *ctx,
                                    art_catalog *cat,
                                    const char *dest,
                                    art_catalog_verify_result *res,
                                    uint64_t *rows);

ART_END_DECLS

#endif
