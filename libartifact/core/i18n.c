/* Binding of libartifact's text domain (gettext) and the C locale object.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "i18n.h"

#include <pthread.h>
#include <stdlib.h>

#include <artifact/ctx.h>

#include "artifact_version_private.h"

static pthread_once_t i18n_once = PTHREAD_ONCE_INIT;
static locale_t c_locale = (locale_t)0;

static void i18n_bind(void)
{
  bindtextdomain(ART_DOMAIN, art_localedir());
  bind_textdomain_codeset(ART_DOMAIN, "UTF-8");
  c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

void art__i18n_init(void)
{
  pthread_once(&i18n_once, i18n_bind);
}

locale_t art__i18n_c_locale(void)
{
  art__i18n_init();
  return c_locale;
}

const char *art_localedir(void)
{
  /* secure_getenv: a set-id program does not take its catalogues from the
   * caller's environment. */
  const char *dir = secure_getenv("ART_LOCALEDIR");
  return dir && *dir ? dir : ART_LOCALEDIR;
}
