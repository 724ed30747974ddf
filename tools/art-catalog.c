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
#include <strings.h>
#include <termios.h>
#include <unistd.h>

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
  OPT_FORCE,
  OPT_LATE,
  OPT_TOOL,
  OPT_RESULT,
  OPT_TZ,
  OPT_ADMIN_KEY,
  OPT_PAPER,
  OPT_DISPLAY_TZ,
  OPT_FIELD = 1000 /* + index of an item field */
};

typedef struct opts {
  const char *db, *actor, *key, *passfile, *output, *format, *checkpoint;
  const char *title, *case_number, *item, *admin_key, *paper, *display_tz;
  art_catalog_event_spec ev;
  art_catalog_fields *fields;
  int json, quiet, rehash, has_fields, force, help;
} opts;

static void usage(void)
{
  printf(
      _("Usage: art-catalog [OPTIONS] COMMAND [ARGS]\n"
        "Evidence catalogue with a tamper-evident chain of custody.\n\n"
        "Commands (art-catalog COMMAND --help for one):\n"
        "  init [--admin-key FILE]    create the catalogue and its "
        "administrator key\n"
        "  case add NUMBER [--title T] | case list | case show NUMBER\n"
        "  add --case N --item I [metadata] [PATH]   register an item (hashes "
        "PATH)\n"
        "  event TYPE --item I [--from A --to B --purpose P --location L]\n"
        "        TYPE: collect acquire transfer receive check-out check-in "
        "access\n"
        "              copy verify seal unseal move release return dispose "
        "note\n"
        "              amend analysis\n"
        "  show [ITEM] [--case N]     an item with hashes and custody history\n"
        "  list                       every item with its current state\n"
        "  key generate FILE | key admin FILE | key request FILE |\n"
        "  key register REQUEST | key revoke KEY_ID | key list\n"
        "  checkpoint                 record and print a checkpoint\n"
        "  verify [--rehash] [--checkpoint FILE]\n"
        "  export -f csv|custody-csv|json|jsonl|html|case [-o FILE [--force]]\n"
        "                             [--paper a4|letter] "
        "[--display-tz ZONE] (html)\n"
        "  backup DEST [--force]      copy with SQLite's backup API, verify "
        "the copy\n"
        "  copy SRC DST               whole catalogue into a new one, SQLite "
        "file or\n"
        "                             postgresql:// URL either way; verify "
        "both\n"
        "  batch [FILE]               JSON lines of operations, one "
        "transaction\n\n"
        "Options:\n"
        "  --db PATH|URL      catalogue: a SQLite file, or a PostgreSQL "
        "database as\n"
        "                     postgresql://[user@]host/db (default "
        "$ART_CATALOG_DB,\n"
        "                     $ART_CATALOG or ./evidence.db)\n"
        "  --actor NAME       who acts (default $ART_ACTOR); required for "
        "changes\n"
        "  --key FILE         sign with this private key (default $ART_KEY)\n"
        "  --passphrase-file FILE   the key's passphrase, first line (default "
        "the file\n"
        "                     named by $ART_KEY_PASSPHRASE_FILE, else "
        "$ART_KEY_PASSPHRASE\n"
        "                     itself, else asked on the terminal without "
        "echo)\n"
        "  --set NAME=VALUE   an item field (add, amend); --hash ALG:HEX a "
        "declared hash\n"
        "  --at TIME          when it happened (RFC 3339, e.g. "
        "2026-03-04T10:30:00+01:00)\n"
        "  --late-entry REASON   record an event dated before the previous "
        "one\n"
        "  --note TEXT --seal NUMBER --tool T --result R   event details\n"
        "  --tz OFFSET        zone of E01 header dates (UTC, +09:00...)\n"
        "  -o, --output FILE  -f, --format FMT  --force  --json  -q, --quiet\n"
        "  -h, --help  --version\n\n"
        "Item fields (also as --NAME with '-' for '_'):\n "));
  for (const char *const *f = art_catalog_field_names(); *f; f++)
    printf(" %s", *f);
  printf(_("\n\nEnvironment: ART_CATALOG (catalogue path), ART_ACTOR (who "
           "acts), ART_KEY\n(private key file), ART_KEY_PASSPHRASE_FILE (file "
           "holding its passphrase),\nART_KEY_PASSPHRASE (the passphrase "
           "itself; visible to other users in /proc).\n"
           "Exit: 0 done, 1 verification failed, 2 usage, 3 bad input, 4 "
           "fatal.\n"));
}

static const struct {
  const char *cmd, *text;
} command_help[] = {
    {"init", N_("Usage: art-catalog init [--admin-key FILE] [--actor NAME]\n"
                "Create the catalogue. With --admin-key, FILE is the "
                "administrator's\nprivate key (made there, with the "
                "passphrase, when it does not exist):\nonly that key may "
                "register or revoke examiners' keys.\n")},
    {"case", N_("Usage: art-catalog case add NUMBER [--title TITLE]\n"
                "       art-catalog case list [--json]\n"
                "       art-catalog case show NUMBER [--json]\n")},
    {"add", N_("Usage: art-catalog add --case N --item I [--NAME VALUE...] "
               "[--hash ALG:HEX] [--tz OFFSET] [PATH]\n"
               "Register an item; with PATH the file or image (raw, E01...) is "
               "hashed\n(md5, sha1, sha256) and an E01's stored hashes and "
               "header values imported.\n--acquired-at takes an RFC 3339 date; "
               "an E01 header date has no zone: --tz\ngives it, else it is "
               "stored without one and flagged.\n")},
    {"event",
     N_("Usage: art-catalog event TYPE --item I [--case N] [--from A] "
        "[--to B]\n         [--purpose P] [--location L] [--at TIME] "
        "[--late-entry REASON]\n         [--note T] [--seal S] "
        "[--tool T --result R] [--set NAME=VALUE]\n"
        "Types: collect acquire transfer receive check-out check-in "
        "access copy\nverify seal unseal move release return dispose "
        "note amend analysis.\ntransfer needs --from (who holds it now) "
        "and --to; receive is the receiver\nacknowledging the latest "
        "transfer with their own --key; analysis needs\n--tool and "
        "--result. A disposed or returned item takes only notes and\n"
        "verification.\n")},
    {"show",
     N_("Usage: art-catalog show ITEM [--case N] [--json] [-o FILE]\n")},
    {"list", N_("Usage: art-catalog list [--json] [-o FILE]\n")},
    {"key",
     N_("Usage: art-catalog key generate FILE      a new Ed25519 key "
        "(FILE, FILE.pub)\n"
        "       art-catalog key admin FILE         make FILE the "
        "administrator key\n"
        "       art-catalog --actor ME key request FILE [-o REQ]   a "
        "registration request\n"
        "                                          signed by the key (proof "
        "of possession)\n"
        "       art-catalog --key ADMIN key register REQ   register it "
        "(administrator)\n"
        "       art-catalog --key ADMIN|OWN key revoke KEY_ID\n"
        "       art-catalog key list [--json]       keys, owners, "
        "fingerprints\n")},
    {"checkpoint", N_("Usage: art-catalog checkpoint [-o FILE]\n")},
    {"verify", N_("Usage: art-catalog verify [--rehash] [--checkpoint FILE] "
                  "[--json]\nWalk the chain, signatures and checkpoints; "
                  "--rehash re-reads the evidence\nand records verify events; "
                  "--checkpoint checks against a checkpoint kept\nelsewhere "
                  "(a checkpoint file or any export).\n")},
    {"export",
     N_("Usage: art-catalog export -f csv|custody-csv|json|jsonl|html|"
        "case [-o FILE] [--force]\nThe file is written under a "
        "temporary name and renamed when complete; an\nexisting file "
        "is replaced only with --force.\n")},
    {"backup", N_("Usage: art-catalog backup DEST [--force]\nA consistent copy "
                  "(SQLite's online backup API, write-ahead log included),\n"
                  "then a verify of the copy.\n")},
    {"batch", N_("Usage: art-catalog batch [FILE]\nJSON lines (see "
                 "docs/catalog-format.md), all in one transaction.\n")},
};

static int help_for(const char *cmd)
{
  for (size_t i = 0; i < sizeof command_help / sizeof command_help[0]; i++)
    if (strcmp(command_help[i].cmd, cmd) == 0) {
      fputs(_(command_help[i].text), stdout);
      return ART_EXIT_OK;
    }
  usage();
  return ART_EXIT_OK;
}

/* A command that failed on its input (unknown item, missing or unreadable
 * evidence) exits 3; a catalogue that cannot be used exits 4. */
static int exit_for(art_status st)
{
  return st == ART_ERR_DB || st == ART_ERR_NOMEM || st == ART_ERR_INTERNAL
             ? ART_EXIT_FATAL
             : ART_EXIT_PARTIAL;
}

static int need(const char *value, const char *what)
{
  if (value && *value)
    return 0;
  cli_usage_error("%s", what);
  return 1;
}

static int fail(art_ctx *ctx, art_status st)
{
  const char *m = art_ctx_errmsg(ctx);
  /* A bad option value (text that is not UTF-8, a date that is not one) is
   * a usage error, whichever layer noticed it. */
  if (st == ART_ERR_INVALID_ARG && m &&
      (strstr(m, "not valid UTF-8") || strstr(m, "not a valid RFC 3339")))
    return cli_usage_error("%s", art_ctx_errmsg_localized(ctx));
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

static char *first_line_of(const char *path)
{
  FILE *fp = fopen(path, "re");
  if (!fp) {
    cli_error("%s: %s", path, strerror(errno));
    return NULL;
  }
  size_t len;
  char *p = read_all(fp, &len);
  fclose(fp);
  if (p)
    p[strcspn(p, "\r\n")] = '\0';
  return p;
}

/* Ask on the terminal, without echo. */
static char *prompt_passphrase(const char *what)
{
  FILE *tty = fopen("/dev/tty", "r+e");
  if (!tty)
    return NULL;
  struct termios old, quiet;
  int fd = fileno(tty), restore = 0;
  if (tcgetattr(fd, &old) == 0) {
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    quiet.c_lflag |= ICANON;
    restore = tcsetattr(fd, TCSANOW, &quiet) == 0;
  }
  fprintf(tty, _("Passphrase for %s: "), what);
  fflush(tty);
  char buf[1024];
  char *got = fgets(buf, sizeof buf, tty);
  if (restore)
    tcsetattr(fd, TCSANOW, &old);
  fputc('\n', tty);
  fclose(tty);
  if (!got)
    return NULL;
  buf[strcspn(buf, "\r\n")] = '\0';
  char *p = strdup(buf);
  explicit_bzero(buf, sizeof buf);
  return p;
}

/* The passphrase: the first line of --passphrase-file or of the file named
 * by ART_KEY_PASSPHRASE_FILE, else ART_KEY_PASSPHRASE, else asked on the
 * terminal (no echo) when there is one. NULL when none. */
static char *passphrase(const opts *o, const char *what)
{
  if (o->passfile)
    return first_line_of(o->passfile);
  const char *file = getenv("ART_KEY_PASSPHRASE_FILE");
  if (file && *file)
    return first_line_of(file);
  const char *env = getenv("ART_KEY_PASSPHRASE");
  if (env)
    return strdup(env);
  if (isatty(STDIN_FILENO))
    return prompt_passphrase(what);
  return NULL;
}

/* A new key's passphrase: when asked on the terminal, asked twice. */
static char *new_passphrase(const opts *o, const char *what)
{
  if (o->passfile || getenv("ART_KEY_PASSPHRASE_FILE") ||
      getenv("ART_KEY_PASSPHRASE") || !isatty(STDIN_FILENO))
    return passphrase(o, what);
  char *a = prompt_passphrase(what),
       *b = a ? prompt_passphrase(_("it again")) : NULL;
  if (a && b && strcmp(a, b) == 0 && *a) {
    explicit_bzero(b, strlen(b));
    free(b);
    return a;
  }
  if (a && b)
    cli_error(_("%s: the passphrases differ (or are empty)"), what);
  if (a)
    explicit_bzero(a, strlen(a));
  if (b)
    explicit_bzero(b, strlen(b));
  free(a);
  free(b);
  return NULL;
}

static int is_private_key_file(const char *path)
{
  FILE *fp = fopen(path, "re");
  if (!fp)
    return 0;
  char head[64] = "";
  size_t got = fread(head, 1, sizeof head - 1, fp);
  head[got] = '\0';
  fclose(fp);
  return strstr(head, "PRIVATE KEY") != NULL;
}

/* Load KEYFILE, asking for the passphrase only when it is a private key. */
static art_status
load_key(art_ctx *ctx, const opts *o, const char *keyfile, art_catalog_key **k)
{
  char *pass = is_private_key_file(keyfile) ? passphrase(o, keyfile) : NULL;
  art_status st = art_catalog_key_load(ctx, keyfile, pass, k);
  if (pass) {
    explicit_bzero(pass, strlen(pass));
    free(pass);
  }
  return st;
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
    return cli_usage_error(
        _("key: generate, admin, request, register, revoke or list"));
  art_status st;
  if (strcmp(argv[0], "generate") == 0) {
    if (argc != 2)
      return cli_usage_error(_("key generate FILE"));
    char *pass = new_passphrase(o, argv[1]);
    if (!pass)
      return cli_usage_error(
          _("key generate: a passphrase is needed (--passphrase-file, "
            "ART_KEY_PASSPHRASE_FILE, ART_KEY_PASSPHRASE or a terminal)"));
    st = art_catalog_key_generate(ctx, argv[1], pass);
    free(pass);
    if (st != ART_OK)
      return fail(ctx, st);
    art_catalog_key *k;
    char pub[4096];
    snprintf(pub, sizeof pub, "%s.pub", argv[1]);
    if ((st = art_catalog_key_load(ctx, pub, NULL, &k)) != ART_OK)
      return fail(ctx, st);
    if (!o->quiet)
      printf(_("key %s written to %s (public key %s.pub)\n"),
             art_catalog_key_id(k), argv[1], argv[1]);
    art_catalog_key_free(k);
    return ART_EXIT_OK;
  }
  if (!*cat)
    return ART_EXIT_FATAL;
  if (strcmp(argv[0], "admin") == 0) {
    if (argc != 2)
      return cli_usage_error(_("key admin FILE (the administrator's private "
                               "key)"));
    if (need(o->actor, _("key admin: --actor (the administrator's name) is "
                         "needed")))
      return ART_EXIT_USAGE;
    art_catalog_key *k;
    if ((st = load_key(ctx, o, argv[1], &k)) != ART_OK)
      return fail(ctx, st);
    st = art_catalog_admin_init(ctx, *cat, o->actor, k);
    if (st == ART_OK && !o->quiet)
      printf(_("administrator key %s (%s)\n"), art_catalog_key_id(k), o->actor);
    art_catalog_key_free(k);
    return st == ART_OK ? ART_EXIT_OK : fail(ctx, st);
  }
  if (strcmp(argv[0], "request") == 0) {
    if (argc != 2)
      return cli_usage_error(_("key request FILE (your private key)"));
    if (need(o->actor, _("key request: --actor (the key's owner) is needed")))
      return ART_EXIT_USAGE;
    art_catalog_key *k;
    if ((st = load_key(ctx, o, argv[1], &k)) != ART_OK)
      return fail(ctx, st);
    char *text = NULL;
    st = art_catalog_key_request(ctx, *cat, o->actor, k, &text);
    art_catalog_key_free(k);
    if (st != ART_OK)
      return fail(ctx, st);
    FILE *out = cli_open_output(o->output);
    if (!out) {
      art_free(text);
      return ART_EXIT_PARTIAL;
    }
    print_text(out, text);
    return cli_close_output(out) == 0 ? ART_EXIT_OK : ART_EXIT_PARTIAL;
  }
  if (strcmp(argv[0], "register") == 0) {
    if (argc != 2)
      return cli_usage_error(_("key register REQUEST (made by 'key request')"));
    if (need(o->actor, _("key register: --actor is needed")))
      return ART_EXIT_USAGE;
    FILE *in = fopen(argv[1], "re");
    if (!in) {
      cli_error("%s: %s", argv[1], strerror(errno));
      return ART_EXIT_PARTIAL;
    }
    size_t len = 0;
    char *text = read_all(in, &len);
    fclose(in);
    if (!text)
      return fail(ctx, ART_ERR_NOMEM);
    st = art_catalog_key_register_request(ctx, *cat, o->actor, text, len);
    free(text);
    if (st != ART_OK)
      return fail(ctx, st);
    if (!o->quiet)
      printf(_("key registered from %s\n"), argv[1]);
    return ART_EXIT_OK;
  }
  if (strcmp(argv[0], "list") == 0) {
    char *text = NULL;
    if ((st = art_catalog_keys(ctx, *cat, o->json, &text)) != ART_OK)
      return fail(ctx, st);
    print_text(stdout, text);
    return ART_EXIT_OK;
  }
  if (strcmp(argv[0], "revoke") == 0) {
    if (argc != 2)
      return cli_usage_error(_("key revoke KEY_ID"));
    if (need(o->actor, _("key revoke: --actor is needed")))
      return ART_EXIT_USAGE;
    st = art_catalog_key_revoke(ctx, *cat, o->actor, argv[1]);
    if (st == ART_OK && !o->quiet)
      printf(_("key %s revoked\n"), argv[1]);
    return st == ART_OK ? ART_EXIT_OK : fail(ctx, st);
  }
  return cli_usage_error(_("key: unknown subcommand '%s'"), argv[0]);
}

static void progress(void *ud, const char *phase, uint64_t done, uint64_t total)
{
  (void)ud;
  fputc('\r', stderr);
  fprintf(stderr, _("verify: %s %llu/%llu"), phase, (unsigned long long)done,
          (unsigned long long)total);
  if (done >= total && strcmp(phase, "signatures") == 0)
    fputs("\r\033[K", stderr);
  fflush(stderr);
}

static int cmd_verify(art_ctx *ctx, art_catalog *cat, opts *o, FILE *out)
{
  art_catalog_verify_opts vo = {0};
  vo.rehash = o->rehash;
  vo.checkpoint_file = o->checkpoint;
  vo.actor = o->actor;
  if (!o->quiet && !o->json && isatty(STDERR_FILENO))
    vo.progress = progress;
  art_catalog_verify_result res;
  char *report = NULL;
  if (o->rehash &&
      need(o->actor, _("verify --rehash records events: --actor is needed")))
    return ART_EXIT_USAGE;
  art_status st =
      art_catalog_verify(ctx, cat, &vo, &res, o->json ? &report : NULL);
  if (vo.progress)
    fputs("\r\033[K", stderr);
  if (st != ART_OK)
    return fail(ctx, st);
  /* Name each item whose evidence could not be re-read. */
  if (res.unreadable_items[0])
    cli_error(_("evidence unreadable: %s"), res.unreadable_items);
  if (o->json) {
    fprintf(out, "%s\n", report);
  } else if (res.verdict == ART_CATALOG_PASS) {
    fprintf(out, _("PASS: %s\n"), res.message_l);
  } else if (res.seq) {
    fprintf(out, _("FAIL: %s at event %llu: %s\n"),
            art_catalog_verdict_name(res.verdict), (unsigned long long)res.seq,
            res.message_l);
  } else {
    fprintf(out, _("FAIL: %s: %s\n"), art_catalog_verdict_name(res.verdict),
            res.message_l);
  }
  art_free(report);
  if (res.unreadable)
    return ART_EXIT_PARTIAL;
  return res.verdict != ART_CATALOG_PASS ? ART_EXIT_FOUND : ART_EXIT_OK;
}

static int cmd_init(art_ctx *ctx, art_catalog *cat, opts *o)
{
  if (o->admin_key) {
    art_status st;
    if (need(o->actor, _("init --admin-key: --actor (the administrator's "
                         "name) is needed")))
      return ART_EXIT_USAGE;
    if (access(o->admin_key, F_OK) != 0) {
      char *pass = new_passphrase(o, o->admin_key);
      if (!pass)
        return cli_usage_error(_("init: a passphrase for the new "
                                 "administrator key is needed"));
      st = art_catalog_key_generate(ctx, o->admin_key, pass);
      free(pass);
      if (st != ART_OK)
        return fail(ctx, st);
    }
    art_catalog_key *k;
    if ((st = load_key(ctx, o, o->admin_key, &k)) != ART_OK)
      return fail(ctx, st);
    st = art_catalog_admin_init(ctx, cat, o->actor, k);
    if (st == ART_OK && !o->quiet)
      printf(_("administrator key %s (%s) in %s\n"), art_catalog_key_id(k),
             o->actor, o->admin_key);
    art_catalog_key_free(k);
    if (st != ART_OK)
      return fail(ctx, st);
  }
  if (!o->quiet)
    printf(_("catalogue %s: %s\n"), art_catalog_uuid(cat), o->db);
  if (!o->admin_key && !o->quiet)
    fprintf(stderr,
            _("art-catalog: note: no administrator key (--admin-key FILE): "
              "examiners' keys cannot be registered until one is given with "
              "'key admin FILE'\n"));
  return ART_EXIT_OK;
}

/* copy SRC DST: the whole catalogue into a new one in either store. */
static int copy_cmd(art_ctx *ctx, opts *o, int argc, char **argv)
{
  if (argc != 3)
    return cli_usage_error(_("copy SRC DST (a SQLite file or a "
                             "postgresql:// URL each)"));
  art_catalog *src = NULL;
  art_status st = art_catalog_open(ctx, argv[1], ART_CATALOG_READONLY, &src);
  if (st != ART_OK) {
    cli_error_ctx(ctx, st);
    return ART_EXIT_FATAL;
  }
  /* The source must verify first: a copy never launders a broken chain. */
  art_catalog_verify_result sres, dres;
  if ((st = art_catalog_verify(ctx, src, NULL, &sres, NULL)) != ART_OK) {
    art_catalog_free(src);
    return fail(ctx, st);
  }
  if (sres.verdict != ART_CATALOG_PASS) {
    fprintf(stderr,
            _("art-catalog: %s: the source FAILS verify (%s: %s); "
              "nothing was copied\n"),
            argv[1], art_catalog_verdict_name(sres.verdict), sres.message_l);
    art_catalog_free(src);
    return ART_EXIT_FOUND;
  }
  uint64_t rows = 0;
  st = art_catalog_copy(ctx, src, argv[2], &dres, &rows);
  const char *sname = art_catalog_store_name(src);
  art_catalog_free(src);
  if (st != ART_OK)
    return fail(ctx, st);
  if (dres.verdict != ART_CATALOG_PASS) {
    printf(_("%s: copied, but the copy FAILS verify: %s: %s\n"), argv[2],
           art_catalog_verdict_name(dres.verdict), dres.message_l);
    return ART_EXIT_FOUND;
  }
  if (!o->quiet)
    printf(_("%s (%s) -> %s: %llu rows, %llu events copied; source and copy "
             "verified: %s\n"),
           argv[1], sname, argv[2], (unsigned long long)rows,
           (unsigned long long)dres.events, dres.message_l);
  return ART_EXIT_OK;
}

static int run(art_ctx *ctx, opts *o, int argc, char **argv)
{
  const char *cmd = argv[0];
  art_catalog *cat = NULL;
  art_status st;
  int rc = ART_EXIT_OK;
  static const char *const known[] = {
      "init",       "case",   "add",    "event",  "show",  "list", "key",
      "checkpoint", "verify", "export", "backup", "batch", "copy"};
  size_t k;
  for (k = 0; k < sizeof known / sizeof known[0]; k++)
    if (strcmp(cmd, known[k]) == 0)
      break;
  if (k == sizeof known / sizeof known[0])
    return cli_usage_error(_("unknown command '%s'"), cmd);
  /* Missing required options are usage errors, found before anything is
   * opened. */
  if (strcmp(cmd, "add") == 0 &&
      (need(o->case_number, _("add: --case is needed")) ||
       need(o->item, _("add: --item is needed")) ||
       need(o->actor, _("add: --actor (or ART_ACTOR) is needed"))))
    return ART_EXIT_USAGE;
  if (strcmp(cmd, "event") == 0 &&
      (need(o->item, _("event: --item is needed")) ||
       need(o->actor, _("event: --actor (or ART_ACTOR) is needed"))))
    return ART_EXIT_USAGE;
  if ((strcmp(cmd, "export") == 0 || strcmp(cmd, "backup") == 0 ||
       strcmp(cmd, "checkpoint") == 0 || strcmp(cmd, "batch") == 0 ||
       (strcmp(cmd, "case") == 0 && argc > 1 && strcmp(argv[1], "add") == 0)) &&
      need(o->actor, _("--actor (or ART_ACTOR) is needed: this command is "
                       "recorded")))
    return ART_EXIT_USAGE;
  if (strcmp(cmd, "export") == 0) {
    art_catalog_format fmt;
    if (!o->format || art_catalog_format_parse(o->format, &fmt) != ART_OK)
      return cli_usage_error(_("export: -f csv, custody-csv, json, jsonl, "
                               "html or case"));
  }
  if (strcmp(cmd, "copy") == 0)
    return copy_cmd(ctx, o, argc, argv);
  int is_key_gen =
      strcmp(cmd, "key") == 0 && argc > 1 && strcmp(argv[1], "generate") == 0;
  if (!is_key_gen) {
    unsigned flags = strcmp(cmd, "init") == 0 ? ART_CATALOG_CREATE : 0;
    if ((st = art_catalog_open(ctx, o->db, flags, &cat)) != ART_OK) {
      cli_error_ctx(ctx, st);
      return ART_EXIT_FATAL;
    }
  }
  if (o->key && !is_key_gen &&
      !(strcmp(cmd, "key") == 0 && argc > 1 &&
        (strcmp(argv[1], "request") == 0 || strcmp(argv[1], "admin") == 0))) {
    art_catalog_key *key = NULL;
    st = load_key(ctx, o, o->key, &key);
    if (st == ART_OK)
      st = art_catalog_set_signer(ctx, cat, key);
    art_catalog_key_free(key);
    if (st != ART_OK) {
      rc = fail(ctx, st);
      goto out;
    }
  }
  FILE *out = NULL;
  if (strcmp(cmd, "init") == 0) {
    rc = cmd_init(ctx, cat, o);
  } else if (strcmp(cmd, "case") == 0) {
    char *text = NULL;
    if (argc == 3 && strcmp(argv[1], "add") == 0) {
      if ((st = art_catalog_case_add(ctx, cat, o->actor, argv[2], o->title)) !=
          ART_OK)
        rc = fail(ctx, st);
    } else if ((argc == 2 && strcmp(argv[1], "list") == 0) ||
               (argc == 3 && strcmp(argv[1], "show") == 0)) {
      if ((st = art_catalog_cases(ctx, cat, argc == 3 ? argv[2] : NULL, o->json,
                                  &text)) != ART_OK)
        rc = fail(ctx, st);
      else if (!(out = cli_open_output(o->output)))
        rc = ART_EXIT_PARTIAL;
      else
        print_text(out, text), text = NULL;
      art_free(text);
    } else {
      rc = cli_usage_error(_("case add NUMBER [--title TITLE] | case list | "
                             "case show NUMBER"));
    }
  } else if (strcmp(cmd, "add") == 0) {
    if (argc > 2) {
      rc = cli_usage_error(_("add: one PATH per item"));
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
      rc = cli_usage_error(_("event TYPE --item ITEM"));
      goto out;
    }
    if (strcmp(argv[1], "analysis") == 0 &&
        (need(o->ev.tool, _("event analysis: --tool is needed (what examined "
                            "the item)")) ||
         need(o->ev.result, _("event analysis: --result is needed")))) {
      rc = ART_EXIT_USAGE;
      goto out;
    }
    if (strcmp(argv[1], "transfer") == 0 &&
        (need(o->ev.from,
              _("event transfer: --from (released by) is needed")) ||
         need(o->ev.to, _("event transfer: --to (received by) is needed")))) {
      rc = ART_EXIT_USAGE;
      goto out;
    }
    o->ev.type = argv[1];
    o->ev.item = o->item;
    o->ev.case_number = o->case_number;
    o->ev.actor = o->actor;
    o->ev.amend = o->has_fields ? o->fields : NULL;
    uint64_t seq;
    if ((st = art_catalog_event_add(ctx, cat, &o->ev, &seq)) != ART_OK)
      rc = st == ART_ERR_INVALID_ARG &&
                   strstr(art_ctx_errmsg(ctx), "unknown event type")
               ? cli_usage_error("%s", art_ctx_errmsg_localized(ctx))
               : fail(ctx, st);
    else if (!o->quiet)
      printf(_("event %llu: %s of item %s\n"), (unsigned long long)seq, argv[1],
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
      rc = ART_EXIT_PARTIAL;
    else
      print_text(out, text);
  } else if (strcmp(cmd, "key") == 0) {
    rc = cmd_key(ctx, &cat, o, argc - 1, argv + 1);
  } else if (strcmp(cmd, "checkpoint") == 0) {
    char *text;
    if ((st = art_catalog_checkpoint(ctx, cat, o->actor, &text)) != ART_OK)
      rc = fail(ctx, st);
    else if (!(out = cli_open_output(o->output)))
      rc = ART_EXIT_PARTIAL;
    else
      print_text(out, text);
  } else if (strcmp(cmd, "verify") == 0) {
    if (!(out = cli_open_output(o->output)))
      rc = ART_EXIT_PARTIAL;
    else
      rc = cmd_verify(ctx, cat, o, out);
  } else if (strcmp(cmd, "export") == 0) {
    art_catalog_format fmt;
    art_catalog_format_parse(o->format, &fmt);
    if (o->paper)
      art_catalog_set_paper(ctx, cat, o->paper);
    /* the register's dates: the examiner's zone, --display-tz or $TZ */
    const char *tz = o->display_tz ? o->display_tz : getenv("TZ");
    if (fmt == ART_CATALOG_HTML && tz && *tz &&
        art_catalog_set_display_tz(ctx, cat, tz) != ART_OK) {
      if (o->display_tz) {
        rc = cli_usage_error("%s", art_ctx_errmsg_localized(ctx));
        goto out;
      }
      cli_error(_("TZ=%s is not a zone name (Area/City): dates in UTC"), tz);
    }
    char sha[65];
    if (o->output && strcmp(o->output, "-") != 0) {
      if ((st = art_catalog_export_file(ctx, cat, o->actor, fmt, o->output,
                                        o->force ? ART_CATALOG_FORCE : 0,
                                        sha)) != ART_OK)
        rc = fail(ctx, st);
      else if (!o->quiet)
        fprintf(stderr, _("%s: sha256 %s\n"), o->output, sha);
    } else {
      out = stdout;
      if ((st = art_catalog_export(ctx, cat, o->actor, fmt, write_out, out,
                                   sha)) != ART_OK)
        rc = fail(ctx, st);
    }
  } else if (strcmp(cmd, "backup") == 0) {
    if (argc != 2) {
      rc = cli_usage_error(_("backup DEST"));
      goto out;
    }
    art_catalog_verify_result res;
    if ((st = art_catalog_backup(ctx, cat, o->actor, argv[1],
                                 o->force ? ART_CATALOG_FORCE : 0, &res)) !=
        ART_OK) {
      rc = fail(ctx, st);
    } else if (res.verdict != ART_CATALOG_PASS) {
      printf(_("%s: copied, but the copy FAILS verify: %s: %s\n"), argv[1],
             art_catalog_verdict_name(res.verdict), res.message_l);
      rc = ART_EXIT_FOUND;
    } else if (!o->quiet) {
      printf(_("%s: backup verified: %s\n"), argv[1], res.message_l);
    }
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
      printf(_("%llu operations\n"), (unsigned long long)count);
    free(text);
  }
  if (out && cli_close_output(out) != 0 && rc == ART_EXIT_OK)
    rc = ART_EXIT_PARTIAL;
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
      {"force", no_argument, NULL, OPT_FORCE},
      {"late-entry", required_argument, NULL, OPT_LATE},
      {"tool", required_argument, NULL, OPT_TOOL},
      {"result", required_argument, NULL, OPT_RESULT},
      {"tz", required_argument, NULL, OPT_TZ},
      {"admin-key", required_argument, NULL, OPT_ADMIN_KEY},
      {"paper", required_argument, NULL, OPT_PAPER},
      {"display-tz", required_argument, NULL, OPT_DISPLAY_TZ},
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
    cli_error(_("out of memory"));
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
  o.db = getenv("ART_CATALOG_DB") && *getenv("ART_CATALOG_DB")
             ? getenv("ART_CATALOG_DB")
         : getenv("ART_CATALOG") ? getenv("ART_CATALOG")
                                 : "./evidence.db";
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
      o.help = 1;
      break;
    case OPT_FORCE:
      o.force = 1;
      break;
    case OPT_LATE:
      o.ev.late_entry = optarg;
      break;
    case OPT_TOOL:
      o.ev.tool = optarg;
      break;
    case OPT_RESULT:
      o.ev.result = optarg;
      break;
    case OPT_ADMIN_KEY:
      o.admin_key = optarg;
      break;
    case OPT_PAPER:
      if (strcasecmp(optarg, "a4") != 0 && strcasecmp(optarg, "letter") != 0) {
        rc = cli_usage_error(_("--paper: a4 or letter, not '%s'"), optarg);
        goto out;
      }
      o.paper = optarg;
      break;
    case OPT_TZ:
      st = art_catalog_fields_set_tz(ctx, o.fields, optarg);
      break;
    case OPT_DISPLAY_TZ:
      o.display_tz = optarg;
      break;
    case OPT_VERSION:
      cli_version();
      goto out;
    case OPT_SET: {
      char *eq = strchr(optarg, '=');
      if (!eq) {
        rc = cli_usage_error(_("--set NAME=VALUE, not '%s'"), optarg);
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
        rc = cli_usage_error(_("--hash ALG:HEX, not '%s'"), optarg);
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
      fprintf(stderr, _("Try 'art-catalog --help' for more information.\n"));
      goto out;
    }
    if (st != ART_OK) {
      rc = cli_usage_error("%s", art_ctx_errmsg_localized(ctx));
      goto out;
    }
  }
  if (o.help) {
    if (optind < argc)
      rc = help_for(argv[optind]);
    else
      usage();
    goto out;
  }
  if (optind >= argc) {
    rc = cli_usage_error(_("no command"));
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
