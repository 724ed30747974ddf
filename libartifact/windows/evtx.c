/* Windows XML event logs (.evtx): events per record, by our own reader.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The reader is evtx_chunk.c + evtx_binxml.c (why: evtx_private.h); this
 * file turns its records into events, and a damaged chunk or record into
 * one error naming the file, after every readable record has been emitted.
 *
 * data_type windows:evtx:record, timestamp_desc "Content Modification
 * Time" (plaso's WRITTEN), l2tcsv EVT / WinEVTX. The event data names come
 * from <Data Name="...">, the values from the same; records without names
 * give string_1, string_2, ... Records recovered from free space are
 * reported too (recovered: true).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evtx_private.h"

static const char *level_name(uint8_t l)
{
  static const char *const names[] = {"Information", "Critical",    "Error",
                                      "Warning",     "Information", "Verbose"};
  return l < 6 ? names[l] : "Unknown";
}

/* The fields of one record event (strings may be NULL: absent). */
typedef struct evx_fields {
  uint64_t number, written;
  uint32_t eid, qual;
  uint8_t level;
  int recovered;
  const char *source, *guid, *channel, *computer, *sid;
  size_t channel_len;
} evx_fields;

static void evtx_begin(win_rec *r, const evx_fields *f)
{
  win_rec_reset(r);
  win_attr(r, "record_number", "%" PRIu64, f->number);
  win_attr(r, "event_identifier", "%" PRIu32, f->eid);
  if (f->qual)
    win_attr(r, "event_identifier_qualifiers", "%" PRIu32, f->qual);
  win_attr(r, "event_level", "%u", (unsigned)f->level);
  win_attr(r, "source_name", "%s", f->source ? f->source : "");
  if (f->guid)
    win_attr(r, "provider_identifier", "%s", f->guid);
  win_attrn(r, "channel", f->channel ? f->channel : "",
            f->channel ? f->channel_len : 0);
  win_attr(r, "computer_name", "%s", f->computer ? f->computer : "");
  if (f->sid)
    win_attr(r, "user_sid", "%s", f->sid);
  if (f->recovered)
    win_attr(r, "recovered", "true");
}

static art_status evtx_emit(win_rec *r,
                            art_ctx *ctx,
                            art_win_event_fn fn,
                            void *user,
                            const evx_fields *f)
{
  const char *ch = win_attr_get(r, "channel");
  /* the message: plaso's shape, "[EID / 0xEID] Source Name: ..." */
  return win_emit_ft(
      r, ctx, fn, user, f->written, "windows:evtx:record",
      "Content Modification Time", "EVT", "WinEVTX",
      "[%" PRIu32 " / 0x%04" PRIx32 "] Source Name: %s Channel: %s "
      "Computer Name: %s Record Number: %" PRIu64 " Event Level: %u (%s)%s",
      f->eid, f->eid, f->source ? f->source : "-", ch && ch[0] ? ch : "-",
      f->computer ? f->computer : "-", f->number, (unsigned)f->level,
      level_name(f->level), f->recovered ? " (recovered)" : "");
}

typedef struct own_ctx {
  art_ctx *ctx;
  art_win_event_fn fn;
  void *user;
  win_rec r;
  art_status st;
} own_ctx;

static int on_record(evx_reader *rd, void *user)
{
  own_ctx *o = user;
  const evx_record *x = &rd->rec;
  evx_fields f = {
      .number = x->number,
      .written = x->written,
      .eid = x->eid,
      .qual = x->has_qual ? x->qual : 0,
      .level = x->level,
      .recovered = x->recovered,
      .source = evx_str_get(rd, x->source),
      .guid = evx_str_get(rd, x->guid),
      .channel = evx_str_get(rd, x->channel),
      .channel_len = x->channel.n == EVX_ABSENT ? 0 : x->channel.n,
      .computer = evx_str_get(rd, x->computer),
      .sid = evx_str_get(rd, x->sid),
  };
  evtx_begin(&o->r, &f);
  for (size_t i = 0; i < x->nkv; i++) {
    const evx_kv *kv = &x->kv[i];
    char key[128];
    size_t kl;
    if (kv->key.n == EVX_ABSENT || kv->key.n == 0) {
      kl = (size_t)snprintf(key, sizeof key, "string_%zu", i + 1);
      win_attr_dyn(&o->r, key, kl, rd->arena + kv->val.off, kv->val.n);
    } else {
      kl = kv->key.n < sizeof key - 1 ? kv->key.n : sizeof key - 1;
      win_attr_dyn(&o->r, rd->arena + kv->key.off, kl, rd->arena + kv->val.off,
                   kv->val.n);
    }
  }
  o->st = evtx_emit(&o->r, o->ctx, o->fn, o->user, &f);
  return o->st != ART_OK;
}

art_status art_win_parse_evtx(art_ctx *ctx,
                              const art_win_input *in,
                              art_win_event_fn fn,
                              void *user)
{
  unsigned char *data = NULL;
  size_t n = 0;
  art_status st = win_load(ctx, in, &data, &n);
  if (st != ART_OK)
    return st;
  evx_reader *rd = malloc(sizeof *rd);
  own_ctx o = {.ctx = ctx, .fn = fn, .user = user, .st = ART_OK};
  if (!rd) {
    free(data);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", in->name);
  }
  evx_reader_init(rd);
  evx_problems pb;
  int rc = evx_read(data, n, rd, on_record, &o, &pb);
  if (rc == -1)
    st = art__set_error(ctx, ART_ERR_FORMAT, 0,
                        "%s: not a readable EVTX file: %s", in->name, pb.first);
  else if (rc == -2)
    st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s", in->name);
  else if (rc)
    st = o.st;
  else if (pb.bad_chunks && pb.bad_records)
    st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                        "%s: damaged EVTX file: %u of %u chunks (first: %s) "
                        "and %u records (first: %s) could not be read whole",
                        in->name, pb.bad_chunks, pb.chunks, pb.first,
                        pb.bad_records, pb.first_record);
  else if (pb.bad_chunks)
    st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                        "%s: damaged EVTX file: %u of %u chunks could not be "
                        "read whole (first: %s)",
                        in->name, pb.bad_chunks, pb.chunks, pb.first);
  else if (pb.bad_records)
    st = art__set_error(ctx, ART_ERR_CORRUPT, 0,
                        "%s: damaged EVTX file: %u of %u records could not be "
                        "read (first: %s)",
                        in->name, pb.bad_records, pb.bad_records + pb.records,
                        pb.first_record);
  evx_reader_free(rd);
  free(rd);
  win_rec_free(&o.r);
  free(data);
  return st;
}
