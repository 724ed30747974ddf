/* art-catalog: the evidence catalogue with a tamper-evident chain of
 * custody (cases, items, custody events, keys, checkpoints, verify,
 * exports).
 * SPDX-License-Identifier: Apache-2.0
 */
#include <artifact/artifact.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"

enum {
  OPT_DB = 256,
  OPT_ACTOR,
  OPT_KEY,
  OPT_PASSFILE,
  OPT_TITLE,
  OPT_CASE,
  OPT_ITEM,
  OPT_FROM,
  OPT_TO,
  OPT_PURPOSE,
  OPT_LOCATION,
  OPT_AT,
  OPT_NOTE,
  OPT_SEAL,
  OPT_SET,
  OPT_HASH,
  OPT_JSON,
  OPT_REHASH,
  OPT_CHECKPOINT,
  OPT_VERSION,
  OPT_FIELD = 1000 /* + index of an item field */
};

typedef struct opts {
  const char *db, *actor, *key, *passfile, *output, *format, *checkpoint;
  const char *title, *case_number, *item;
  art_catalog_event_spec ev;
  art_catalog_fields *fields;
  int json, quiet, rehash, has_fields;
} opts;

static void usage(void)
{
  printf(
      "Usage: art-catalog [OPTIONS] COMMAND [ARGS]\n"
      "Evidence catalogue with a tamper-evident chain of custody.\n\n"
      "Commands:\n"
      "  init                       create the catalogue\n"
      "  case add NUMBER [--title T]\n"
      "  add --case N --item I [metadata] [PATH]   register an item (hashes "
      "PATH)\n"
      "  event TYPE --item I [--from A --to B --purpose P --location L]\n"
      "        TYPE: collect acquire transfer check-out check-in access copy\n"
      "              verify seal unseal move release return dispose note "
      "amend\n"
      "  show [ITEM] [--case N]     an item with hashes and custody history\n"
      "  list                       every item with its current state\n"
      "  key generate FILE | key register [FILE] | key revoke KEY_ID\n"
      "  checkpoint                 record and print a checkpoint\n"
      "  verify [--rehash] [--checkpoint FILE]\n"
      "  export -f csv|custody-csv|json|jsonl|html|case [-o FILE]\n"
      "  batch [FILE]               JSON lines of operations, one "
      "transaction\n\n"
      "Options:\n"
      "  --db PATH          catalogue (default $ART_CATALOG or "
      "./evidence.db)\n"
      "  --actor NAME       who acts (default $ART_ACTOR); required for "
      "changes\n"
      "  --key FILE         sign with this private key (default $ART_KEY)\n"
      "  --passphrase-file FILE   key passphrase (default "
      "$ART_KEY_PASSPHRASE)\n"
      "  --set NAME=VALUE   an item field (add, amend); --hash ALG:HEX a "
      "declared hash\n"
      "  --at TIME --note TEXT --seal NUMBER   event details\n"
      "  -o, --output FILE  -f, --format FMT  --json  -q, --quiet\n"
      "  -h, --help  --version\n\n"
      "Item fields (also as --NAME with '-' for '_'):\n ");
  for (const char *const *f = art_catalog_field_names(); *f; f++)
    printf(" %s", *f);
  printf("\n\nExit: 0 done, 1 verification failed, 2 usage, 3 bad input, 4 "
         "fatal.\n");
}

/* A command that failed on its input (unknown item, missing or unreadable
 * evidence) exits 3; a catalogue that cannot be used exits 4. */
static int exit_for(art_status st)
{
  return st == ART_ERR_DB || st == ART_ERR_NOMEM || st == ART_ERR_INTERNAL
             ? ART_EXIT_FATAL
             : ART_EXIT_PARTIAL;
}

static int fail(art_ctx *ctx, art_status st)
{
  cli_error_ctx(ctx, st);
  return exit_for(st);
}

static char *read_all(FILE *fp, size_t *len)
{
  size_t cap = 65536, n = 0, got;
  char *buf = malloc(cap);
  while (buf && (got = fread(buf + n, 1, cap - n - 1, fp)) > 0) {
    n += got;
    if (cap - n < 2) {
      char *p = realloc(buf, cap * 2);
      if (!p) {
        free(buf);
        return NULL;
      }
      buf = p;
      cap *= 2;
    }
  }
  if (buf) {
    buf[n] = '\0';
    *len = n;
  }
  return buf;
}

/* The passphrase: the first line of --passphrase-file, or the environment. */
static char *passphrase(const opts *o)
{
  if (o->passfile) {
    FILE *fp = fopen(o->passfile, "re");
    if (!fp) {
      cli_error("%s: %s", o->passfile, strerror(errno));
      return NULL;
    }
    size_t len;
    char *p = read_all(fp, &len);
    fclose(fp);
    if (p)
      p[strcspn(p, "\r\n")] = '\0';
    return p;
  }
  const char *env = getenv("ART_KEY_PASSPHRASE");
  return env ? strdup(env) : NULL;
}

static int write_out(void *userdata, const void *data, size_t len)
{
  return fwrite(data, 1, len, (FILE *)userdata) == len ? 0 : -1;
}

static int print_text(FILE *out, char *text)
{
  fputs(text, out);
  if (*text && text[strlen(text) - 1] != '\n')
    fputc('\n', out);
  art_free(text);
  return ART_EXIT_OK;
}

static int
cmd_key(art_ctx *ctx, art_catalog **cat, opts *o, int argc, char **argv)
{
  if (argc < 1)
    return cli_usage_error("key: generate, register or revoke");
  art_status st;
  if (strcmp(argv[0], "generate") == 0) {
    if (argc != 2)
      return cli_usage_error("key generate FILE");
    char *pass = passphrase(o);
    if (!pass)
      return cli_usage_error("key generate: a passphrase is needed "
                             "(--passphrase-file or ART_KEY_PASSPHRASE)");
    st = art_catalog_key_generate(ctx, argv[1], pass);
    free(pass);
    if (st != ART_OK)
      return fail(ctx, st);
    art_catalog_key *k;
    if ((st = art_catalog_key_load(ctx, argv[1], NULL, &k)) != ART_OK) {
      char pub[4096];
      snprintf(pub, sizeof pub, "%s.pub", argv[1]);
      if ((st = art_catalog_key_load(ctx, pub, NULL, &k)) != ART_OK)
        return fail(ctx, st);
    }
    if (!o->quiet)
      printf("key %s written to %s (public key %s.pub)\n",
             art_catalog_key_id(k), argv[1], argv[1]);
    art_catalog_key_free(k);
    return ART_EXIT_OK;
  }
  if (!*cat)
    return ART_EXIT_FATAL;
  if (strcmp(argv[0], "register") == 0) {
    const char *file = argc > 1 ? argv[1] : o->key;
    if (!file)
      return cli_usage_error("key register FILE (a public or private key)");
    char *pass = passphrase(o);
    art_catalog_key *k;
    st = art_catalog_key_load(ctx, file, pass, &k);
    free(pass);
    if (st != ART_OK)
      return fail(ctx, st);
    st = art_catalog_key_register(ctx, *cat, o->actor, k);
    if (st == ART_OK && !o->quiet)
      printf("key %s registered to %s\n", art_catalog_key_id(k), o->actor);
    art_catalog_key_free(k);
    return st == ART_OK ? ART_EXIT_OK : fail(ctx, st);
  }
  if (strcmp(argv[0], "revoke") == 0) {
    if (argc != 2)
      return cli_usage_error("key revoke KEY_ID");
    st = art_catalog_key_revoke(ctx, *cat, o->actor, argv[1]);
    if (st == ART_OK && !o->quiet)
      printf("key %s revoked\n", argv[1]);
    return st == ART_OK ? ART_EXIT_OK : fail(ctx, st);
  }
  return cli_usage_error("key: unknown subcommand '%s'", argv[0]);
}

static int cmd_verify(art_ctx *ctx, art_catalog *cat, opts *o, FILE *out)
{
  art_catalog_verify_opts vo = {o->rehash, o->checkpoint, o->actor};
  art_catalog_verify_result res;
  char *report = NULL;
  art_status st =
      art_catalog_verify(ctx, cat, &vo, &res, o->json ? &report : NULL);
  if (st != ART_OK)
    return fail(ctx, st);
  if (o->json) {
    fprintf(out, "%s\n", report);
    art_free(report);
  } else if (res.verdict == ART_CATALOG_PASS) {
    fprintf(out, "PASS: %s\n", res.message);
  } else {
    fprintf(out, "FAIL: %s at event %llu: %s\n",
            art_catalog_verdict_name(res.verdict), (unsigned long long)res.seq,
            res.message);
  }
  if (o->rehash && !o->json && !o->quiet)
    fprintf(out, "rehash: %u items re-read, %u unreadable\n", res.rehashed,
            res.unreadable);
  if (res.verdict != ART_CATALOG_PASS)
    return ART_EXIT_FOUND;
  return res.unreadable ? ART_EXIT_PARTIAL : ART_EXIT_OK;
}

static int run(art_ctx *ctx, opts *o, int argc, char **argv)
{
  const char *cmd = argv[0];
  art_catalog *cat = NULL;
  art_status st;
  int rc = ART_EXIT_OK;
  int is_key_gen =
      strcmp(cmd, "key") == 0 && argc > 1 && strcmp(argv[1], "generate") == 0;
  if (!is_key_gen) {
    unsigned flags = strcmp(cmd, "init") == 0 ? ART_CATALOG_CREATE : 0;
    if ((st = art_catalog_open(ctx, o->db, flags, &cat)) != ART_OK) {
      cli_error_ctx(ctx, st);
      return ART_EXIT_FATAL;
    }
  }
  if (o->key && !is_key_gen && strcmp(cmd, "key") != 0) {
    char *pass = passphrase(o);
    art_catalog_key *k = NULL;
    st = art_catalog_key_load(ctx, o->key, pass, &k);
    free(pass);
    if (st == ART_OK)
      st = art_catalog_set_signer(ctx, cat, k);
    art_catalog_key_free(k);
    if (st != ART_OK) {
      rc = fail(ctx, st);
      goto out;
    }
  }
  FILE *out = NULL;
  if (strcmp(cmd, "init") == 0) {
    if (!o->quiet)
      printf("catalogue %s: %s\n", art_catalog_uuid(cat), o->db);
  } else if (strcmp(cmd, "case") == 0) {
    if (argc != 3 || strcmp(argv[1], "add") != 0) {
      rc = cli_usage_error("case add NUMBER [--title TITLE]");
      goto out;
    }
    if ((st = art_catalog_case_add(ctx, cat, o->actor, argv[2], o->title)) !=
        ART_OK)
      rc = fail(ctx, st);
  } else if (strcmp(cmd, "add") == 0) {
    if (argc > 2) {
      rc = cli_usage_error("add: one PATH per item");
      goto out;
    }
    uint64_t seq;
    st = art_catalog_item_add(ctx, cat, o->actor, o->case_number, o->item,
                              o->fields, argc == 2 ? argv[1] : NULL, &seq);
    if (st != ART_OK) {
      rc = fail(ctx, st);
      goto out;
    }
    char *text;
    if (!o->quiet && art_catalog_item_show_text(ctx, cat, o->case_number,
                                                o->item, &text) == ART_OK)
      print_text(stdout, text);
  } else if (strcmp(cmd, "event") == 0) {
    if (argc != 2) {
      rc = cli_usage_error("event TYPE --item ITEM");
      goto out;
    }
    o->ev.type = argv[1];
    o->ev.item = o->item;
    o->ev.case_number = o->case_number;
    o->ev.actor = o->actor;
    o->ev.amend = o->has_fields ? o->fields : NULL;
    uint64_t seq;
    if ((st = art_catalog_event_add(ctx, cat, &o->ev, &seq)) != ART_OK)
      rc = fail(ctx, st);
    else if (!o->quiet)
      printf("event %llu: %s of item %s\n", (unsigned long long)seq, argv[1],
             o->item);
  } else if (strcmp(cmd, "show") == 0 || strcmp(cmd, "list") == 0) {
    const char *item = argc > 1 ? argv[1] : o->item;
    char *text;
    int list = strcmp(cmd, "list") == 0 || !item;
    if (list)
      st = o->json ? art_catalog_list(ctx, cat, &text)
                   : art_catalog_list_text(ctx, cat, &text);
    else
      st = o->json
               ? art_catalog_item_show(ctx, cat, o->case_number, item, &text)
               : art_catalog_item_show_text(ctx, cat, o->case_number, item,
                                            &text);
    if (st != ART_OK)
      rc = fail(ctx, st);
    else if (!(out = cli_open_output(o->output)))
      rc = ART_EXIT_FATAL;
    else
      print_text(out, text);
  } else if (strcmp(cmd, "key") == 0) {
    rc = cmd_key(ctx, &cat, o, argc - 1, argv + 1);
  } else if (strcmp(cmd, "checkpoint") == 0) {
    char *text;
    if ((st = art_catalog_checkpoint(ctx, cat, o->actor, &text)) != ART_OK)
      rc = fail(ctx, st);
    else if (!(out = cli_open_output(o->output)))
      rc = ART_EXIT_FATAL;
    else
      print_text(out, text);
  } else if (strcmp(cmd, "verify") == 0) {
    if (!(out = cli_open_output(o->output)))
      rc = ART_EXIT_FATAL;
    else
      rc = cmd_verify(ctx, cat, o, out);
  } else if (strcmp(cmd, "export") == 0) {
    art_catalog_format fmt;
    if (!o->format || art_catalog_format_parse(o->format, &fmt) != ART_OK) {
      rc = cli_usage_error("export: -f csv, custody-csv, json, jsonl, html "
                           "or case");
      goto out;
    }
    if (!(out = cli_open_output(o->output))) {
      rc = ART_EXIT_FATAL;
      goto out;
    }
    char sha[65];
    if ((st = art_catalog_export(ctx, cat, o->actor, fmt, write_out, out,
                                 sha)) != ART_OK)
      rc = fail(ctx, st);
    else if (!o->quiet && o->output && strcmp(o->output, "-") != 0)
      fprintf(stderr, "%s: sha256 %s\n", o->output, sha);
  } else if (strcmp(cmd, "batch") == 0) {
    FILE *in = stdin;
    const char *name = argc > 1 ? argv[1] : "-";
    if (strcmp(name, "-") != 0 && !(in = fopen(name, "re"))) {
      cli_error("%s: %s", name, strerror(errno));
      rc = ART_EXIT_PARTIAL;
      goto out;
    }
    size_t len = 0;
    char *text = read_all(in, &len);
    if (in != stdin)
      fclose(in);
    uint64_t count = 0;
    if (!text)
      rc = fail(ctx, ART_ERR_NOMEM);
    else if ((st = art_catalog_batch(ctx, cat, o->actor, text, len, &count)) !=
             ART_OK)
      rc = fail(ctx, st);
    else if (!o->quiet)
      printf("%llu operations\n", (unsigned long long)count);
    free(text);
  } else {
    rc = cli_usage_error("unknown command '%s'", cmd);
  }
  if (out && cli_close_output(out) != 0 && rc == ART_EXIT_OK)
    rc = ART_EXIT_FATAL;
out:
  art_catalog_free(cat);
  return rc;
}

int main(int argc, char **argv)
{
  cli_init("art-catalog");
  static const struct option fixed[] = {
      {"db", required_argument, NULL, OPT_DB},
      {"actor", required_argument, NULL, OPT_ACTOR},
      {"key", required_argument, NULL, OPT_KEY},
      {"passphrase-file", required_argument, NULL, OPT_PASSFILE},
      {"title", required_argument, NULL, OPT_TITLE},
      {"case", required_argument, NULL, OPT_CASE},
      {"item", required_argument, NULL, OPT_ITEM},
      {"from", required_argument, NULL, OPT_FROM},
      {"to", required_argument, NULL, OPT_TO},
      {"purpose", required_argument, NULL, OPT_PURPOSE},
      {"location", required_argument, NULL, OPT_LOCATION},
      {"at", required_argument, NULL, OPT_AT},
      {"note", required_argument, NULL, OPT_NOTE},
      {"seal", required_argument, NULL, OPT_SEAL},
      {"set", required_argument, NULL, OPT_SET},
      {"hash", required_argument, NULL, OPT_HASH},
      {"json", no_argument, NULL, OPT_JSON},
      {"rehash", no_argument, NULL, OPT_REHASH},
      {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
      {"output", required_argument, NULL, 'o'},
      {"format", required_argument, NULL, 'f'},
      {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, OPT_VERSION}};
  size_t nfixed = sizeof fixed / sizeof fixed[0], nf = 0;
  const char *const *names = art_catalog_field_names();
  while (names[nf])
    nf++;
  /* One --NAME option per item field, spelled with hyphens. */
  struct option *longopts = calloc(nfixed + nf + 1, sizeof *longopts);
  char **spelled = calloc(nf + 1, sizeof *spelled);
  art_ctx *ctx = NULL;
  opts o = {0};
  int rc = ART_EXIT_OK;
  if (!longopts || !spelled || art_ctx_new(&ctx) != ART_OK ||
      art_catalog_fields_new(ctx, &o.fields) != ART_OK) {
    cli_error("out of memory");
    rc = ART_EXIT_FATAL;
    goto out;
  }
  memcpy(longopts, fixed, sizeof fixed);
  for (size_t i = 0; i < nf; i++) {
    spelled[i] = strdup(names[i]);
    if (!spelled[i]) {
      rc = ART_EXIT_FATAL;
      goto out;
    }
    for (char *p = spelled[i]; *p; p++)
      if (*p == '_')
        *p = '-';
    longopts[nfixed + i] = (struct option){spelled[i], required_argument, NULL,
                                           OPT_FIELD + (int)i};
  }
  o.db = getenv("ART_CATALOG") ? getenv("ART_CATALOG") : "./evidence.db";
  o.actor = getenv("ART_ACTOR");
  o.key = getenv("ART_KEY");
  int c;
  while ((c = getopt_long(argc, argv, "o:f:qh", longopts, NULL)) != -1) {
    art_status st = ART_OK;
    switch (c) {
    case OPT_DB:
      o.db = optarg;
      break;
    case OPT_ACTOR:
      o.actor = optarg;
      break;
    case OPT_KEY:
      o.key = optarg;
      break;
    case OPT_PASSFILE:
      o.passfile = optarg;
      break;
    case OPT_TITLE:
      o.title = optarg;
      break;
    case OPT_CASE:
      o.case_number = optarg;
      break;
    case OPT_ITEM:
      o.item = optarg;
      break;
    case OPT_FROM:
      o.ev.from = optarg;
      break;
    case OPT_TO:
      o.ev.to = optarg;
      break;
    case OPT_PURPOSE:
      o.ev.purpose = optarg;
      break;
    case OPT_LOCATION:
      o.ev.location = optarg;
      break;
    case OPT_AT:
      o.ev.occurred_at = optarg;
      break;
    case OPT_NOTE:
      o.ev.note = optarg;
      break;
    case OPT_SEAL:
      o.ev.seal = optarg;
      break;
    case OPT_JSON:
      o.json = 1;
      break;
    case OPT_REHASH:
      o.rehash = 1;
      break;
    case OPT_CHECKPOINT:
      o.checkpoint = optarg;
      break;
    case 'o':
      o.output = optarg;
      break;
    case 'f':
      o.format = optarg;
      break;
    case 'q':
      o.quiet = 1;
      break;
    case 'h':
      usage();
      goto out;
    case OPT_VERSION:
      cli_version();
      goto out;
    case OPT_SET: {
      char *eq = strchr(optarg, '=');
      if (!eq) {
        rc = cli_usage_error("--set NAME=VALUE, not '%s'", optarg);
        goto out;
      }
      *eq = '\0';
      st = art_catalog_fields_set(ctx, o.fields, optarg, eq + 1);
      o.has_fields = 1;
      break;
    }
    case OPT_HASH: {
      char *colon = strchr(optarg, ':');
      if (!colon) {
        rc = cli_usage_error("--hash ALG:HEX, not '%s'", optarg);
        goto out;
      }
      *colon = '\0';
      st = art_catalog_fields_add_hash(ctx, o.fields, optarg, colon + 1);
      break;
    }
    default:
      if (c >= OPT_FIELD && c < OPT_FIELD + (int)nf) {
        st =
            art_catalog_fields_set(ctx, o.fields, names[c - OPT_FIELD], optarg);
        o.has_fields = 1;
        break;
      }
      rc = ART_EXIT_USAGE;
      fprintf(stderr, "Try 'art-catalog --help' for more information.\n");
      goto out;
    }
    if (st != ART_OK) {
      rc = cli_usage_error("%s", art_ctx_errmsg(ctx));
      goto out;
    }
  }
  if (optind >= argc) {
    rc = cli_usage_error("no command");
    goto out;
  }
  rc = run(ctx, &o, argc - optind, argv + optind);
out:
  art_catalog_fields_free(o.fields);
  for (size_t i = 0; spelled && i < nf; i++)
    free(spelled[i]);
  free(spelled);
  free(longopts);
  art_ctx_free(ctx);
  return rc;
}
