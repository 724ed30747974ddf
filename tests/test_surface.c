/* Check suite for surface analysis: configuration, one input's record
 * against sha256sum/ssdeep/file, containers and lineage, hash sets,
 * similarity, PE details of a mingw-built executable, formats and errors.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char *dir;

static void setup(void)
{
  dir = tu_tmpdir();
}

static void teardown(void)
{
  tu_rmtree(dir);
  free(dir);
}

/* Examine PATH with CFG; returns the report (asserts success). */
static art_surface_report *examine(art_surface_config *cfg, const char *path)
{
  art_ctx *ctx = NULL;
  art_surface *s = NULL;
  art_surface_report *rep = NULL;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_surface_new(ctx, cfg, &s), ART_OK);
  art_status st = art_surface_examine_path(ctx, s, path, 7, &rep);
  ck_assert_msg(st == ART_OK, "%s", art_ctx_errmsg(ctx));
  ck_assert_ptr_nonnull(rep);
  art_surface_free(s);
  art_ctx_free(ctx);
  return rep;
}

static art_surface_config *config(const art_surface_opts *o)
{
  art_ctx *ctx = NULL;
  art_surface_config *cfg = NULL;
  art_surface_opts d;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  if (!o) {
    art_surface_opts_init(&d);
    o = &d;
  }
  ck_assert_int_eq(art_surface_config_new(ctx, o, &cfg), ART_OK);
  art_ctx_free(ctx);
  return cfg;
}

static json_t *record(art_surface_report *rep, size_t i)
{
  char *txt = NULL;
  ck_assert_int_eq(art_surface_record_json(NULL, rep, i, &txt), ART_OK);
  json_t *j = json_loads(txt, 0, NULL);
  ck_assert_ptr_nonnull(j);
  art_free(txt);
  return j;
}

/* Run PRE 'PATH' POST and return its output without trailing newlines. */
static char *ref(const char *pre, const char *path, const char *post)
{
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s'%s'%s", pre, path, post);
  int status = 0;
  char *out = tu_run(cmd, &status);
  ck_assert_int_eq(status, 0);
  size_t n = strlen(out);
  while (n && out[n - 1] == '\n')
    out[--n] = '\0';
  return out;
}

static const char *jget(json_t *o, const char *a, const char *b)
{
  json_t *v = json_object_get(o, a);
  if (b)
    v = json_object_get(v, b);
  return json_string_value(v);
}

/* ---- configuration ------------------------------------------------------ */

START_TEST(test_config)
{
  art_ctx *ctx = NULL;
  art_surface_config *cfg = config(NULL);
  char *p = tu_path(dir, "none.hset");
  size_t n = 99;
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_surface_config_add_hashset(ctx, cfg, p),
                   ART_ERR_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(art_ctx_errmsg(ctx), "none.hset"));
  ck_assert_int_eq(art_surface_config_add_similar(ctx, cfg, p, &n),
                   ART_ERR_NOT_FOUND);
  free(p);
  p = tu_path(dir, "nohash.txt");
  tu_write(p, "hello,world\nnot a hash\n", 23);
  ck_assert_int_eq(art_surface_config_add_similar(ctx, cfg, p, &n),
                   ART_ERR_FORMAT);
  ck_assert_uint_eq(n, 0);
  free(p);
  p = tu_path(dir, "known.ssdeep");
  const char *txt = "ssdeep,1.1--blocksize:hash:hash,filename\n"
                    "3:hMCEpn:hurn,\"/x/a.txt\"\n"
                    "{\"hashes\":{\"ssdeep\":\"3:abcd:efg\"},\"path\":\"b\"}\n";
  tu_write(p, txt, strlen(txt));
  ck_assert_int_eq(art_surface_config_add_similar(ctx, cfg, p, &n), ART_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert_int_eq(art_surface_config_add_password(ctx, cfg, "pw"), ART_OK);
  art_surface_config_set_rules(cfg, NULL);
  free(p);
  art_surface_config_free(cfg);
  art_surface_config_free(NULL);
  art_ctx_free(ctx);
}
END_TEST

/* ---- one file ----------------------------------------------------------- */

START_TEST(test_file_record)
{
  char *p = tu_path(dir, "notes.txt");
  const char *text = "Call home: https://c2.example.com/gate.php from "
                     "10.20.30.40, mail admin@example.org\n";
  tu_write(p, text, strlen(text));
  art_surface_config *cfg = config(NULL);
  art_surface_report *rep = examine(cfg, p);
  ck_assert_uint_eq(art_surface_report_count(rep), 1);
  const art_surface_record *r = art_surface_record_get(rep, 0);
  ck_assert_uint_eq(r->id, 0);
  ck_assert_uint_eq(r->depth, 0);
  ck_assert_uint_eq(r->size, strlen(text));
  ck_assert_str_eq(r->path, p);
  char *sha = ref("sha256sum < ", p, " | cut -d' ' -f1");
  ck_assert_str_eq(r->sha256, sha);
  char *ssd = ref("ssdeep -s -b ", p, " | tail -n 1 | cut -d, -f1");
  ck_assert_str_eq(r->ssdeep, ssd);
  char *desc = ref("file -b ", p, "");
  char *mime = ref("file -b --mime-type ", p, "");
  json_t *j = record(rep, 0);
  /* key order is the documented one */
  const char *keys[] = {"schema",   "path",    "name",      "size",
                        "lineage",  "hashes",  "type",      "entropy",
                        "header",   "strings", "pe",        "elf",
                        "hashsets", "yara",    "container", "similar",
                        "flags",    "errors",  "limits_hit"};
  size_t k = 0, nd = art_dissect_count();
  const char *key;
  json_t *v;
  json_object_foreach(j, key, v)
  {
    ck_assert_uint_lt(k, sizeof keys / sizeof keys[0] + nd);
    /* the dissectors' keys, in registry order, follow "container" */
    if (k >= 15 && k < 15 + nd) {
      ck_assert_str_eq(key, art_dissect_at(k - 15)->name);
      ck_assert(json_is_null(v));
      k++;
      continue;
    }
    ck_assert_str_eq(key, keys[k >= 15 + nd ? k++ - nd : k++]);
  }
  ck_assert_uint_eq(k, sizeof keys / sizeof keys[0] + nd);
  ck_assert_str_eq(jget(j, "schema", NULL), ART_SURFACE_SCHEMA);
  ck_assert_str_eq(jget(j, "name", NULL), "notes.txt");
  ck_assert_str_eq(jget(j, "type", "description"), desc);
  ck_assert_str_eq(jget(j, "type", "mime"), mime);
  ck_assert(json_is_false(
      json_object_get(json_object_get(j, "type"), "extension_mismatch")));
  ck_assert_str_eq(jget(j, "hashes", "sha256"), sha);
  ck_assert_int_eq(json_integer_value(
                       json_object_get(json_object_get(j, "lineage"), "input")),
                   7);
  ck_assert_str_eq(jget(j, "header", "ascii"),
                   "Call home: https://c2.example.co");
  json_t *iocs = json_object_get(json_object_get(j, "strings"), "iocs");
  ck_assert_uint_eq(json_array_size(iocs), 3);
  ck_assert_str_eq(jget(json_array_get(iocs, 0), "class", NULL), "url");
  ck_assert_str_eq(jget(json_array_get(iocs, 1), "class", NULL), "ipv4");
  ck_assert_str_eq(jget(json_array_get(iocs, 2), "class", NULL), "email");
  ck_assert(json_is_null(json_object_get(j, "container")));
  ck_assert_uint_eq(json_array_size(json_object_get(j, "errors")), 0);
  char *t = NULL;
  ck_assert_int_eq(art_surface_record_text(NULL, rep, 0, &t), ART_OK);
  ck_assert_ptr_nonnull(strstr(t, "== "));
  ck_assert_ptr_nonnull(strstr(t, sha));
  ck_assert_ptr_nonnull(strstr(t, "https://c2.example.com/gate.php"));
  art_free(t);
  ck_assert_int_eq(art_surface_record_json(NULL, rep, 1, &t),
                   ART_ERR_INVALID_ARG);
  ck_assert_ptr_null(art_surface_record_get(rep, 1));
  json_decref(j);
  free(sha);
  free(ssd);
  free(desc);
  free(mime);
  art_surface_report_free(rep);
  art_surface_config_free(cfg);
  free(p);
}
END_TEST

START_TEST(test_extension_mismatch_and_sha512)
{
  char *p = tu_path(dir, "photo.jpg");
  const char *script = "#!/bin/sh\necho hello\n";
  tu_write(p, script, strlen(script));
  art_surface_opts o;
  art_surface_opts_init(&o);
  o.extra_hashes = ART_HASH_MASK(ART_HASH_SHA512);
  o.no_strings = 1;
  art_surface_config *cfg = config(&o);
  art_surface_report *rep = examine(cfg, p);
  json_t *j = record(rep, 0);
  ck_assert(json_is_true(
      json_object_get(json_object_get(j, "type"), "extension_mismatch")));
  ck_assert_str_eq(jget(j, "type", "expected_mime"), "image/jpeg");
  char *sha = ref("sha512sum < ", p, " | cut -d' ' -f1");
  ck_assert_str_eq(jget(j, "hashes", "sha512"), sha);
  ck_assert(json_is_null(json_object_get(j, "strings")));
  free(sha);
  json_decref(j);
  art_surface_report_free(rep);
  art_surface_config_free(cfg);
  free(p);
}
END_TEST

START_TEST(test_empty_file)
{
  char *p = tu_path(dir, "empty");
  tu_write(p, "", 0);
  art_surface_config *cfg = config(NULL);
  art_surface_report *rep = examine(cfg, p);
  json_t *j = record(rep, 0);
  ck_assert_str_eq(
      jget(j, "hashes", "sha256"),
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ck_assert_str_eq(jget(j, "type", "description"), "empty");
  ck_assert_str_eq(jget(j, "header", "hex"), "");
  json_decref(j);
  art_surface_report_free(rep);
  art_surface_config_free(cfg);
  free(p);
}
END_TEST

/* ---- containers --------------------------------------------------------- */

START_TEST(test_container_lineage)
{
  char cmd[4096];
  int status = 0;
  snprintf(cmd, sizeof cmd,
           "cd '%s' && printf 'inner text http://192.0.2.1/a\\n' > a.txt && "
           "printf 'second\\n' > b.txt && zip -q -X in.zip a.txt && "
           "tar -czf outer.tgz in.zip b.txt",
           dir);
  free(tu_run(cmd, &status));
  ck_assert_int_eq(status, 0);
  char *p = tu_path(dir, "outer.tgz");
  art_surface_config *cfg = config(NULL);
  art_surface_report *rep = examine(cfg, p);
  ck_assert_uint_eq(art_surface_report_count(rep), 4);
  /* pre-order: outer.tgz, in.zip, a.txt, b.txt */
  static const uint64_t parent[] = {0, 0, 1, 0};
  static const unsigned depth[] = {0, 1, 2, 1};
  static const char *const name[] = {"outer.tgz", "in.zip", "a.txt", "b.txt"};
  for (size_t i = 0; i < 4; i++) {
    const art_surface_record *r = art_surface_record_get(rep, i);
    json_t *j = record(rep, i);
    ck_assert_uint_eq(r->id, i);
    ck_assert_uint_eq(r->depth, depth[i]);
    if (i)
      ck_assert_uint_eq(r->parent, parent[i]);
    ck_assert_str_eq(jget(j, "name", NULL), name[i]);
    ck_assert_str_eq(jget(j, "lineage", "root"), p);
    ck_assert_int_eq(r->via, i ? ART_ARCHIVE_VIA_MEMBER : ART_ARCHIVE_VIA_FILE);
    json_decref(j);
  }
  const art_surface_record *a = art_surface_record_get(rep, 2);
  char *ap = tu_path(dir, "a.txt");
  char *sha = ref("sha256sum < ", ap, " | cut -d' ' -f1");
  ck_assert_str_eq(a->sha256, sha);
  char want[4096];
  snprintf(want, sizeof want, "%s!in.zip!a.txt", p);
  ck_assert_str_eq(a->path, want);
  json_t *root = record(rep, 0);
  json_t *c = json_object_get(root, "container");
  ck_assert_str_eq(jget(c, "format", NULL), "tar");
  ck_assert_str_eq(jget(c, "filters", NULL), "gzip");
  ck_assert_int_eq(json_integer_value(json_object_get(c, "entries")), 2);
  ck_assert_int_eq(json_integer_value(json_object_get(c, "artifacts")), 3);
  json_decref(root);
  free(sha);
  free(ap);
  art_surface_report_free(rep);
  art_surface_config_free(cfg);
  /* no recursion */
  art_surface_opts o;
  art_surface_opts_init(&o);
  o.no_recurse = 1;
  cfg = config(&o);
  rep = examine(cfg, p);
  ck_assert_uint_eq(art_surface_report_count(rep), 1);
  art_surface_report_free(rep);
  art_surface_config_free(cfg);
  free(p);
}
END_TEST

/* ---- hash sets and similarity ------------------------------------------- */

START_TEST(test_hashset_and_similar)
{
  art_ctx *ctx = NULL;
  art_hashset_builder *b = NULL;
  char *p = tu_path(dir, "data.bin");
  char *set = tu_path(dir, "k.hset");
  char *sims = tu_path(dir, "sims.txt");
  tu_write_random(p, 100000, 3);
  char *sha = ref("sha256sum < ", p, " | cut -d' ' -f1");
  char *ssd = ref("ssdeep -s -b ", p, " | tail -n 1");
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(
      art_hashset_builder_new(ctx, "unit-known", ART_HASHSET_KNOWN, &b),
      ART_OK);
  ck_assert_int_eq(art_hashset_builder_add_hex(ctx, b, sha), ART_OK);
  ck_assert_int_eq(art_hashset_builder_write(ctx, b, set, NULL), ART_OK);
  art_hashset_builder_free(b);
  tu_write(sims, ssd, strlen(ssd));
  art_surface_config *cfg = config(NULL);
  ck_assert_int_eq(art_surface_config_add_hashset(ctx, cfg, set), ART_OK);
  ck_assert_int_eq(art_surface_config_add_similar(ctx, cfg, sims, NULL),
                   ART_OK);
  art_surface_report *rep = examine(cfg, p);
  const art_surface_record *r = art_surface_record_get(rep, 0);
  ck_assert_int_eq(r->known, 1);
  ck_assert_int_eq(r->notable, 0);
  ck_assert_uint_eq(r->similar, 1);
  const char *peer = NULL;
  int score = 0;
  ck_assert_int_eq(art_surface_record_similar(rep, 0, 0, &peer, &score),
                   ART_OK);
  ck_assert_str_eq(peer, "data.bin");
  ck_assert_int_eq(score, 100);
  ck_assert_int_eq(art_surface_record_similar(rep, 0, 1, &peer, &score),
                   ART_ERR_NOT_FOUND);
  json_t *j = record(rep, 0);
  json_t *hit = json_array_get(json_object_get(j, "hashsets"), 0);
  ck_assert_str_eq(jget(hit, "set", NULL), "unit-known");
  ck_assert_str_eq(jget(hit, "kind", NULL), "known");
  ck_assert_str_eq(
      json_string_value(json_array_get(json_object_get(hit, "matched_on"), 0)),
      "sha256");
  json_decref(j);
  art_surface_report_free(rep);
  art_surface_config_free(cfg);
  free(ssd);
  free(sha);
  art_ctx_free(ctx);
  free(p);
  free(set);
  free(sims);
}
END_TEST

START_TEST(test_skip_known_container)
{
  char cmd[4096];
  int status = 0;
  art_ctx *ctx = NULL;
  art_hashset_builder *b = NULL;
  snprintf(cmd, sizeof cmd,
           "cd '%s' && printf 'x\\n' > m.txt && zip -q -X k.zip m.txt", dir);
  free(tu_run(cmd, &status));
  ck_assert_int_eq(status, 0);
  char *zip = tu_path(dir, "k.zip");
  char *set = tu_path(dir, "k.hset");
  char *sha = ref("sha256sum < ", zip, " | cut -d' ' -f1");
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_hashset_builder_new(ctx, "k", ART_HASHSET_KNOWN, &b),
                   ART_OK);
  ck_assert_int_eq(art_hashset_builder_add_hex(ctx, b, sha), ART_OK);
  ck_assert_int_eq(art_hashset_builder_write(ctx, b, set, NULL), ART_OK);
  art_hashset_builder_free(b);
  art_surface_opts o;
  art_surface_opts_init(&o);
  art_surface_config *cfg = config(&o);
  ck_assert_int_eq(art_surface_config_add_hashset(ctx, cfg, set), ART_OK);
  art_surface_report *rep = examine(cfg, zip);
  ck_assert_uint_eq(art_surface_report_count(rep), 2); /* expanded */
  art_surface_report_free(rep);
  art_surface_config_free(cfg);
  o.skip_known = 1;
  cfg = config(&o);
  ck_assert_int_eq(art_surface_config_add_hashset(ctx, cfg, set), ART_OK);
  rep = examine(cfg, zip);
  ck_assert_uint_eq(art_surface_report_count(rep), 1); /* not expanded */
  ck_assert_int_eq(art_surface_record_get(rep, 0)->known, 1);
  art_surface_report_free(rep);
  art_surface_config_free(cfg);
  art_ctx_free(ctx);
  free(sha);
  free(zip);
  free(set);
}
END_TEST

/* ---- PE from the mingw cross compiler ----------------------------------- */

START_TEST(test_pe)
{
  char cmd[4096];
  int status = 0;
  char *src = tu_path(dir, "hello.c");
  char *exe = tu_path(dir, "hello.exe");
  const char *code = "#include <windows.h>\n"
                     "int main(void){MessageBoxA(0,\"hi\",\"t\",0);"
                     "return (int)GetTickCount();}\n";
  tu_write(src, code, strlen(code));
  snprintf(cmd, sizeof cmd, "x86_64-w64-mingw32-gcc -O1 -o '%s' '%s' 2>&1", exe,
           src);
  free(tu_run(cmd, &status));
  ck_assert_int_eq(status, 0);
  art_surface_config *cfg = config(NULL);
  art_surface_report *rep = examine(cfg, exe);
  json_t *j = record(rep, 0);
  json_t *pe = json_object_get(j, "pe");
  ck_assert(json_is_object(pe));
  ck_assert(json_is_null(json_object_get(j, "elf")));
  ck_assert_str_eq(jget(pe, "machine", NULL), "amd64");
  ck_assert(json_is_true(json_object_get(pe, "is_64")));
  ck_assert_uint_eq(strlen(jget(pe, "imphash", NULL)), 32);
  ck_assert_uint_gt(json_array_size(json_object_get(pe, "sections")), 2);
  int user32 = 0;
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(pe, "imports"), i, v)
  {
    if (strcasecmp(jget(v, "library", NULL), "user32.dll") == 0)
      user32 = 1;
  }
  ck_assert_int_eq(user32, 1);
  char *desc = ref("file -b ", exe, "");
  ck_assert_str_eq(jget(j, "type", "description"), desc);
  free(desc);
  json_decref(j);
  art_surface_report_free(rep);
  art_surface_config_free(cfg);
  free(src);
  free(exe);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

START_TEST(test_errors)
{
  art_ctx *ctx = NULL;
  art_surface *s = NULL;
  art_surface_report *rep = (art_surface_report *)1;
  art_surface_config *cfg = config(NULL);
  char *p = tu_path(dir, "missing");
  ck_assert_int_eq(art_ctx_new(&ctx), ART_OK);
  ck_assert_int_eq(art_surface_new(ctx, cfg, &s), ART_OK);
  ck_assert_int_eq(art_surface_examine_path(ctx, s, p, 0, &rep),
                   ART_ERR_NOT_FOUND);
  ck_assert_ptr_null(rep);
  ck_assert_int_eq(art_surface_examine(ctx, s, NULL, p, 0, &rep),
                   ART_ERR_INVALID_ARG);
  char *txt = NULL;
  ck_assert_int_eq(art_surface_error_json(ctx, p, 3, "missing: gone", &txt),
                   ART_OK);
  json_t *j = json_loads(txt, 0, NULL);
  ck_assert_str_eq(jget(j, "path", NULL), p);
  ck_assert_str_eq(
      json_string_value(json_array_get(json_object_get(j, "errors"), 0)),
      "missing: gone");
  ck_assert(json_is_null(json_object_get(j, "hashes")));
  json_decref(j);
  art_free(txt);
  ck_assert_uint_eq(art_surface_report_count(NULL), 0);
  art_surface_report_free(NULL);
  art_surface_free(NULL);
  art_surface_free(s);
  art_surface_config_free(cfg);
  art_ctx_free(ctx);
  free(p);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("surface");
  TCase *tc = tcase_create("config");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_config);
  suite_add_tcase(s, tc);
  tc = tcase_create("record");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_file_record);
  tcase_add_test(tc, test_extension_mismatch_and_sha512);
  tcase_add_test(tc, test_empty_file);
  tcase_add_test(tc, test_pe);
  suite_add_tcase(s, tc);
  tc = tcase_create("containers");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_container_lineage);
  suite_add_tcase(s, tc);
  tc = tcase_create("lookups");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_hashset_and_similar);
  tcase_add_test(tc, test_skip_known_container);
  suite_add_tcase(s, tc);
  tc = tcase_create("errors");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_errors);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return tu_main(suite());
}
