/* Internal declarations shared by the surface analysis files.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_SURFACE_PRIVATE_H
#define ART_SURFACE_PRIVATE_H

#include <artifact/artifact.h>
#include <artifact/surface.h>
#include <jansson.h>

#define SURFACE_HEAD_MAX 256

typedef struct sim_entry {
  char *hash; /* "blocksize:h1:h2" */
  char *name;
} sim_entry;

struct art_surface_config {
  art_surface_opts o;
  art_hashset **sets;
  size_t n_sets;
  char **passwords;
  size_t n_pw;
  const struct art_yara_rules *rules;
  sim_entry *sim;
  size_t n_sim, cap_sim;
};

typedef struct sim_match {
  char *peer;
  int score;
} sim_match;

/* One record being built. */
typedef struct srec {
  art_surface_record pub;
  json_t *obj;
  char *path, *sha256, *ssdeep;
  sim_match *sims;
  size_t n_sims;
} srec;

struct art_surface_report {
  srec *recs;
  size_t n, cap;
};

/* Records: creation and the small helpers the analyser uses. */
srec *art__surface_rec_add(art_surface_report *rep);
void art__surface_rec_error(srec *r, const char *fmt, ...) ART_PRINTF(2, 3);
void art__surface_rec_limit(srec *r, const char *name);
/* Path, name and lineage of an input's own record (id 0). */
void art__surface_rec_fill_root(srec *r, const char *path, uint64_t input);
void art__surface_rec_flag(srec *r, const char *name);

#endif
