/* libFuzzer target: disk images through the timeline's libtsk walk (the
 * volume/file-system walk, NTFS attribute lines and our own ext inode
 * reader for signed/64-bit times), in the extended body form.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The input is the image, handed over as a memfd (/proc/self/fd/N).
 */
#include <artifact/artifact.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  int fd = memfd_create("img", 0);
  if (fd < 0)
    return 0;
  if (size && write(fd, data, size) != (ssize_t)size) {
    close(fd);
    return 0;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  art_ctx *ctx = NULL;
  art_timeline *tl = NULL;
  if (art_ctx_new(&ctx) == ART_OK && art_timeline_new(ctx, &tl) == ART_OK) {
    FILE *out = fopen("/dev/null", "w");
    if (out) {
      art_timeline_set_output(tl, out);
      (void)art_timeline_add_image(ctx, tl, path);
      (void)art_timeline_finish(ctx, tl);
      fclose(out);
    }
  }
  art_timeline_free(tl);
  art_ctx_free(ctx);
  close(fd);
  return 0;
}
