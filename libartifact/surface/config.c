/* Surface analysis: options and the shared configuration (hash sets,
 * passwords, YARA rules, ssdeep hashes to compare with).
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_private.h"
#include "surface_private.h"

void art_surface_opts_init(art_surface_opts *opts)
{
  if (!opts)
    return;
  memset(opts, 0, sizeof *opts);
  art_archive_opts_init(&opts->archive);
}

static void fill_defaults(art_surface_opts *o)
{
  if (!o->header_bytes)
    o->header_bytes = 32;
  if (o->header_bytes > SURFACE_HEAD_MAX)
    o->header_bytes = SURFACE_HEAD_MAX;
  if (!o->entropy_block)
    o->entropy_block = ART_ENTROPY_BLOCK_DEFAULT;
  if (!o->keep_limit)
    o->keep_limit = 64u << 20;
}

art_status art_surface_config_new(art_ctx *ctx,
                                  const art_surface_opts *opts,
                                  art_surface_config **out)
{
  art_surface_config *cfg;
  if (!out)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "surface: no output");
  *out = NULL;
  cfg = art__calloc(ctx, 1, sizeof *cfg);
  if (!cfg)
    return ART_ERR_NOMEM;
  if (opts)
    cfg->o = *opts;
  else
    art_surface_opts_init(&cfg->o);
  fill_defaults(&cfg->o);
  *out = cfg;
  return ART_OK;
}

void art_surface_config_free(art_surface_config *cfg)
{
  if (!cfg)
    return;
  for (size_t i = 0; i < cfg->n_sets; i++)
    art_hashset_free(cfg->sets[i]);
  free(cfg->sets);
  for (size_t i = 0; i < cfg->n_pw; i++)
    free(cfg->passwords[i]);
  free(cfg->passwords);
  for (size_t i = 0; i < cfg->n_sim; i++) {
    free(cfg->sim[i].hash);
    free(cfg->sim[i].name);
  }
  free(cfg->sim);
  free(cfg);
}

art_status art_surface_config_add_hashset(art_ctx *ctx,
                                          art_surface_config *cfg,
                                          const char *path)
{
  art_hashset *hs = NULL, **p;
  art_status st;
  if (!cfg || !path)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "surface: no set");
  st = art_hashset_open(ctx, path, &hs);
  if (st != ART_OK)
    return st;
  p = realloc(cfg->sets, (cfg->n_sets + 1) * sizeof *p);
  if (!p) {
    art_hashset_free(hs);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s: no memory", path);
  }
  cfg->sets = p;
  cfg->sets[cfg->n_sets++] = hs;
  return ART_OK;
}

art_status art_surface_config_add_password(art_ctx *ctx,
                                           art_surface_config *cfg,
                                           const char *password)
{
  char **p, *dup;
  if (!cfg || !password)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "surface: no password");
  dup = art__strdup(ctx, password);
  if (!dup)
    return ART_ERR_NOMEM;
  p = realloc(cfg->passwords, (cfg->n_pw + 1) * sizeof *p);
  if (!p) {
    free(dup);
    return art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "surface: no memory");
  }
  cfg->passwords = p;
  cfg->passwords[cfg->n_pw++] = dup;
  return ART_OK;
}

void art_surface_config_set_rules(art_surface_config *cfg,
                                  const struct art_yara_rules *rules)
{
  if (cfg)
    cfg->rules = rules;
}

static int sim_push(art_surface_config *cfg, const char *hash, const char *name)
{
  int score = 0;
  if (art_ssdeep_compare(NULL, hash, hash, &score) != ART_OK)
    return 0; /* not an ssdeep hash: skipped */
  if (cfg->n_sim == cfg->cap_sim) {
    size_t cap = cfg->cap_sim ? cfg->cap_sim * 2 : 64;
    sim_entry *p = realloc(cfg->sim, cap * sizeof *p);
    if (!p)
      return -1;
    cfg->sim = p;
    cfg->cap_sim = cap;
  }
  cfg->sim[cfg->n_sim].hash = strdup(hash);
  cfg->sim[cfg->n_sim].name = strdup(name ? name : "");
  if (!cfg->sim[cfg->n_sim].hash || !cfg->sim[cfg->n_sim].name) {
    free(cfg->sim[cfg->n_sim].hash);
    free(cfg->sim[cfg->n_sim].name);
    return -1;
  }
  cfg->n_sim++;
  return 1;
}

/* One line of an ssdeep file ('HASH,"NAME"') or of art-surface JSON Lines. */
static int sim_line(art_surface_config *cfg, char *line)
{
  size_t n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = '\0';
  if (!n || strncmp(line, "ssdeep,", 7) == 0)
    return 0;
  if (line[0] == '{') {
    json_t *o = json_loads(line, 0, NULL);
    json_t *h = json_object_get(json_object_get(o, "hashes"), "ssdeep");
    json_t *p = json_object_get(o, "path");
    int rc = 0;
    if (json_is_string(h))
      rc = sim_push(cfg, json_string_value(h),
                    json_is_string(p) ? json_string_value(p) : "");
    json_decref(o);
    return rc;
  }
  char *comma = strchr(line, ',');
  char *name = comma;
  if (comma) {
    *comma = '\0';
    name = comma + 1;
    size_t l = strlen(name);
    if (l >= 2 && name[0] == '"' && name[l - 1] == '"') {
      name[l - 1] = '\0';
      name++;
    }
  }
  return sim_push(cfg, line, name);
}

art_status art_surface_config_add_similar(art_ctx *ctx,
                                          art_surface_config *cfg,
                                          const char *path,
                                          size_t *count)
{
  FILE *f;
  char *line = NULL;
  size_t cap = 0, found = 0;
  art_status st = ART_OK;
  if (count)
    *count = 0;
  if (!cfg || !path)
    return art__set_error(ctx, ART_ERR_INVALID_ARG, 0, "surface: no path");
  f = fopen(path, "re");
  if (!f)
    return art__set_errno(ctx, errno, "%s", path);
  while (getline(&line, &cap, f) >= 0) {
    int rc = sim_line(cfg, line);
    if (rc < 0) {
      st = art__set_error(ctx, ART_ERR_NOMEM, ENOMEM, "%s: no memory", path);
      break;
    }
    found += (size_t)rc;
  }
  if (st == ART_OK && ferror(f))
    st = art__set_errno(ctx, errno ? errno : EIO, "%s", path);
  fclose(f);
  free(line);
  if (st == ART_OK && found == 0)
    st = art__set_error(ctx, ART_ERR_FORMAT, 0,
                        "%s: no ssdeep hash (ssdeep output or art-surface "
                        "JSON Lines expected)",
                        path);
  if (count)
    *count = found;
  return st;
}
