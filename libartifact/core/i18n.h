/* Message translation for libartifact's own text domain (private).
 * SPDX-License-Identifier: Apache-2.0
 *
 * libartifact owns its messages (as libc and libgpg-error do): every text
 * meant for a person that the library formats is looked up in the
 * "libartifact" domain. _() translates now, N_() only marks a string for
 * xgettext (static tables, translated where they are used). Formats given to
 * art__set_error/art__set_errno need neither: those translate their format
 * themselves (xgettext keywords art__set_error:4 and art__set_errno:3).
 * Machine formats (JSON keys, CSV headers, record values) are never marked.
 */
#ifndef ART_I18N_H
#define ART_I18N_H

#include <libintl.h>
#include <locale.h>
#include <stddef.h>

#define ART_DOMAIN "libartifact"

#define _(s)  dgettext(ART_DOMAIN, s)
#define N_(s) (s)

/* Bind the domain once per process (thread-safe): to $ART_LOCALEDIR when
 * set, else the compile-time ART_LOCALEDIR, with UTF-8 output. art_ctx_new
 * calls it, so every library entry point has run it. */
void art__i18n_init(void);

/* The "C" locale object: for texts that must not follow the process locale
 * (strerror_l of a message kept for machine records). */
locale_t art__i18n_c_locale(void);

/* In BUF (a translated message that was given other messages' C text as
 * arguments), put back the translations of the last messages this thread
 * recorded with art__set_error/art__set_errno. */
void art__i18n_relocalize(char *buf, size_t size);

#endif
