/* Messages of the art-* tools in the user's language: the gettext text
 * domain "artifact" (the library's own messages are in "libartifact").
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ART_TOOLS_I18N_H
#define ART_TOOLS_I18N_H

#include <libintl.h>

#define ART_TOOLS_DOMAIN "artifact"

/* A message meant for a person, translated (xgettext keyword _). */
#define _(s) dgettext(ART_TOOLS_DOMAIN, s)
/* Marked for translation where it is defined, translated where it is used
 * with _() (tables of strings, help macros). Bare, not parenthesised, so a
 * marked macro such as CLI_IMAGE_HELP still joins adjacent literals. */
#define N_(s) s
/* A message with a count: the catalogue's plural form for N (keyword
 * P_:1,2). */
#define P_(s, p, n) dngettext(ART_TOOLS_DOMAIN, s, p, (unsigned long)(n))

/* setlocale(LC_ALL, "") with LC_NUMERIC kept "C" (machine formats never
 * change with the locale), and the catalogue's folder: art_localedir()
 * ($ART_LOCALEDIR when set, else the installed one). Called by cli_init. */
void cli_i18n_init(void);

#endif
