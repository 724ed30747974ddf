/* Replays files through a libFuzzer target without libFuzzer, so that the
 * normal suite (gcc, and the ASan build) runs every target on its seed
 * corpus and on the crash reproducers in tests/fuzz/regressions/<target>/.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path, unsigned long *n)
{
  FILE *f = fopen(path, "rb");
  uint8_t *buf = NULL;
  long len;
  if (!f) {
    perror(path);
    return -1;
  }
  if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
      fseek(f, 0, SEEK_SET) != 0) {
    perror(path);
    fclose(f);
    return -1;
  }
  /* Never NULL, even for an empty file: targets may read data[0..size). */
  buf = malloc((size_t)len + 1);
  if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
    fprintf(stderr, "%s: cannot read\n", path);
    free(buf);
    fclose(f);
    return -1;
  }
  fclose(f);
  fprintf(stderr, "replay %s (%ld bytes)\n", path, len);
  LLVMFuzzerTestOneInput(buf, (size_t)len);
  free(buf);
  (*n)++;
  return 0;
}

static int cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
  unsigned long n = 0;
  int rc = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0)
      continue; /* a target without seeds or regressions */
    if (!S_ISDIR(st.st_mode)) {
      rc |= replay_file(argv[i], &n) != 0;
      continue;
    }
    DIR *d = opendir(argv[i]);
    struct dirent *e;
    char **names = NULL;
    size_t k = 0;
    while (d && (e = readdir(d))) {
      char *p = NULL;
      char **q;
      if (e->d_name[0] == '.')
        continue;
      if (asprintf(&p, "%s/%s", argv[i], e->d_name) < 0)
        return 2;
      if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
        free(p);
        continue;
      }
      if (!(q = realloc(names, (k + 1) * sizeof *q)))
        return 2;
      names = q;
      names[k++] = p;
    }
    if (d)
      closedir(d);
    qsort(names, k, sizeof *names, cmp);
    for (size_t j = 0; j < k; j++) {
      rc |= replay_file(names[j], &n) != 0;
      free(names[j]);
    }
    free(names);
  }
  printf("replayed %lu inputs\n", n);
  return rc;
}
