/* Windows shortcut dissector (.lnk through liblnk, read by the timeline's
 * parser in windows/lnk.c): target, arguments, working directory, icon,
 * description, target times, volume, machine id and MAC address from the
 * tracker block; LOLBin targets, long padded arguments and borrowed icons
 * flagged; PowerShell -EncodedCommand arguments decoded as children.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dissect_private.h"
#include "win_private.h"

#define LONG_ARGS 1024 /* characters of arguments that hide the rest */

static int lnk_recognise(const uint8_t *d, size_t n)
{
  /* HeaderSize 0x4C and LinkCLSID {00021401-0000-0000-C000-000000000046} */
  static const uint8_t sig[20] = {0x4c, 0, 0, 0, 0x01, 0x14, 0x02,
                                  0,    0, 0, 0, 0,    0xc0, 0,
                                  0,    0, 0, 0, 0,    0x46};
  return n >= 76 && memcmp(d, sig, sizeof sig) == 0;
}

static json_t *filetime(uint64_t ft)
{
  if (ft == 0 || ft >= 2650467743990000000ull)
    return json_null();
  time_t t = (time_t)((int64_t)(ft / 10000000u) - 11644473600ll);
  struct tm tm;
  char buf[40], out[64];
  if (!gmtime_r(&t, &tm) ||
      !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm))
    return json_null();
  snprintf(out, sizeof out, "%s.%07uZ", buf, (unsigned)(ft % 10000000u));
  return json_string(out);
}

static json_t *guid(const uint8_t *g)
{
  char s[40];
  snprintf(s, sizeof s,
           "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%"
           "02x",
           g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10],
           g[11], g[12], g[13], g[14], g[15]);
  return json_string(s);
}

/* The MAC address in a version 1 (time-based) UUID's node field. */
static json_t *mac_of(const uint8_t *g)
{
  char s[24];
  if ((g[7] >> 4) != 1)
    return json_null();
  snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", g[10], g[11], g[12],
           g[13], g[14], g[15]);
  return json_string(s);
}

static const char *base_name(const char *p)
{
  const char *b = p;
  for (const char *c = p; *c; c++)
    if (*c == '\\' || *c == '/')
      b = c + 1;
  return b;
}

static const char *const lolbins[] = {"cmd.exe",
                                      "powershell.exe",
                                      "pwsh.exe",
                                      "powershell_ise.exe",
                                      "mshta.exe",
                                      "rundll32.exe",
                                      "regsvr32.exe",
                                      "wscript.exe",
                                      "cscript.exe",
                                      "certutil.exe",
                                      "bitsadmin.exe",
                                      "msiexec.exe",
                                      "conhost.exe",
                                      "forfiles.exe",
                                      "schtasks.exe",
                                      "wmic.exe",
                                      "curl.exe",
                                      "msbuild.exe",
                                      "installutil.exe",
                                      "regasm.exe",
                                      "regsvcs.exe",
                                      "odbcconf.exe",
                                      "hh.exe",
                                      "cmstp.exe",
                                      "msxsl.exe",
                                      "pcalua.exe",
                                      "scriptrunner.exe",
                                      "bash.exe",
                                      "wsl.exe",
                                      "ftp.exe",
                                      "finger.exe",
                                      "expand.exe",
                                      "extrac32.exe",
                                      "esentutl.exe",
                                      "msdt.exe",
                                      "presentationhost.exe",
                                      "syncappvpublishingserver.exe",
                                      "tar.exe",
                                      "control.exe",
                                      "mavinject.exe",
                                      "wmiprvse.exe",
                                      "verclsid.exe",
                                      "ieexec.exe"};

static const char *lolbin(const char *path)
{
  const char *b = path ? base_name(path) : NULL;
  for (size_t i = 0; b && i < sizeof lolbins / sizeof lolbins[0]; i++)
    if (strcasecmp(b, lolbins[i]) == 0)
      return lolbins[i];
  return NULL;
}

static art_status
lnk_run(art_ctx *ctx, const art_dissect_input *in, art_dissect_sink *sink)
{
  if (!lnk_recognise(in->data, in->len)) {
    art_dissect_sink_error(sink, "%s: lnk: not a shell link header", in->name);
    return ART_ERR_CORRUPT;
  }
  win_lnk_info li;
  char origin[512];
  int partial = 0;
  snprintf(origin, sizeof origin, "%s: lnk", in->name);
  art_status st = win_lnk_read(ctx, in->data, in->len, origin, &li);
  if (st == ART_ERR_NOMEM)
    return st;
  if (st != ART_OK) {
    /* What the fixed header says is still given. */
    art_dissect_sink_error(sink, "%s", art_ctx_errmsg(ctx));
    const uint8_t *p = in->data;
    li.ctime = le64(p + 0x1c);
    li.atime = le64(p + 0x24);
    li.mtime = le64(p + 0x2c);
    li.size = le32(p + 0x34);
    li.attrs = le32(p + 0x18);
    partial = 1;
    st = ART_OK;
  }
  json_t *sum = json_object();
  const char *target = li.local ? li.local
                       : li.net ? li.net
                       : li.env ? li.env
                                : li.rel;
  json_object_set_new(sum, "target_path", art__dissect_jstr(target));
  json_object_set_new(sum, "local_path", art__dissect_jstr(li.local));
  json_object_set_new(sum, "network_path", art__dissect_jstr(li.net));
  json_object_set_new(sum, "relative_path", art__dissect_jstr(li.rel));
  json_object_set_new(sum, "environment_location", art__dissect_jstr(li.env));
  json_object_set_new(sum, "working_directory", art__dissect_jstr(li.wd));
  json_object_set_new(sum, "arguments", art__dissect_jstr(li.args));
  json_object_set_new(sum, "arguments_length",
                      json_integer(li.args ? (json_int_t)strlen(li.args) : 0));
  json_object_set_new(sum, "description", art__dissect_jstr(li.desc));
  json_object_set_new(sum, "icon_location", art__dissect_jstr(li.icon));
  /* IconIndex, ShowCommand and HotKey from the header ([MS-SHLLINK]
   * 2.1): liblnk 20181227 answers the file size for the show command. */
  const uint8_t *h = in->data;
  json_object_set_new(
      sum, "icon_index",
      json_integer((int32_t)((uint32_t)h[0x38] | (uint32_t)h[0x39] << 8 |
                             (uint32_t)h[0x3a] << 16 |
                             (uint32_t)h[0x3b] << 24)));
  json_object_set_new(sum, "target_created_utc", filetime(li.ctime));
  json_object_set_new(sum, "target_modified_utc", filetime(li.mtime));
  json_object_set_new(sum, "target_accessed_utc", filetime(li.atime));
  json_object_set_new(sum, "target_size", json_integer(li.size));
  json_object_set_new(sum, "target_attributes", json_integer(li.attrs));
  json_object_set_new(sum, "show_command",
                      json_integer((json_int_t)h[0x3c] | h[0x3d] << 8 |
                                   h[0x3e] << 16 | (json_int_t)h[0x3f] << 24));
  json_object_set_new(sum, "hot_key", json_integer(h[0x40] | h[0x41] << 8));
  if (li.has_volume) {
    char serial[16];
    snprintf(serial, sizeof serial, "%08x", li.drive_serial);
    json_object_set_new(sum, "drive_type", json_integer(li.drive_type));
    json_object_set_new(sum, "drive_serial", json_string(serial));
  } else {
    json_object_set_new(sum, "drive_type", json_null());
    json_object_set_new(sum, "drive_serial", json_null());
  }
  json_object_set_new(sum, "volume_label", art__dissect_jstr(li.label));
  json_object_set_new(sum, "machine_id", art__dissect_jstr(li.mach));
  json_object_set_new(sum, "droid_file_id",
                      li.has_droid ? guid(li.droid_file) : json_null());
  json_object_set_new(sum, "birth_droid_file_id",
                      li.has_birth_droid ? guid(li.birth_droid_file)
                                         : json_null());
  json_object_set_new(sum, "mac_address",
                      li.has_birth_droid ? mac_of(li.birth_droid_file)
                      : li.has_droid     ? mac_of(li.droid_file)
                                         : json_null());

  /* What makes a shortcut suspicious. */
  const char *lb = lolbin(target);
  json_object_set_new(sum, "lolbin", lb ? json_string(lb) : json_null());
  if (lb)
    art_dissect_sink_flag(sink, "lnk_lolbin");
  if (li.args) {
    size_t n = strlen(li.args), sp = 0;
    while (sp < n && isspace((unsigned char)li.args[sp]))
      sp++;
    /* Explorer shows the first 260 characters: a payload after a run of
     * blanks, or a very long line, is out of sight. */
    if (n > LONG_ARGS || sp >= 32 || strstr(li.args, "                    "))
      art_dissect_sink_flag(sink, "lnk_long_arguments");
  }
  if (lb && li.icon && *li.icon &&
      strcasecmp(base_name(li.icon), base_name(target)) != 0)
    art_dissect_sink_flag(sink, "lnk_borrowed_icon");
  if (li.net && !li.local)
    art_dissect_sink_flag(sink, "lnk_network_target");

  /* Encoded PowerShell in the command line (target and arguments), with
   * the padding that pushes a switch out of sight collapsed. */
  json_t *enc = json_array();
  if (li.args) {
    const char *tb = target ? base_name(target) : "";
    size_t tl = strlen(tb), al = strlen(li.args), k = 0;
    char *cmd = malloc(tl + al + 2);
    if (cmd) {
      memcpy(cmd, tb, tl);
      k = tl;
      cmd[k++] = ' ';
      for (size_t i = 0; i < al; i++) {
        int sp = isspace((unsigned char)li.args[i]);
        if (sp && k && cmd[k - 1] == ' ')
          continue;
        cmd[k++] = sp ? ' ' : li.args[i];
      }
      cmd[k] = '\0';
      st = art__script_encoded_commands(sink, "lnk-argument", cmd, k, enc);
      free(cmd);
    }
  }
  if (json_array_size(enc))
    art_dissect_sink_flag(sink, "powershell_encoded_command");
  json_object_set_new(sum, "encoded_commands", enc);
  json_t *iocs = json_array();
  if (li.args)
    art__dissect_iocs(iocs, li.args, strlen(li.args), 100);
  json_object_set_new(sum, "indicators", iocs);
  json_object_set_new(sum, "partial", json_boolean(partial));
  if (partial && st == ART_OK)
    st = ART_ERR_CORRUPT;
  win_lnk_info_free(&li);
  art_status s2 = art__dissect_summary(sink, sum);
  return s2 != ART_OK ? s2 : st;
}

const art_dissector art__dissect_lnk = {
    "lnk",
    "Windows shortcuts (liblnk): target, arguments, icon, tracker, "
    "encoded PowerShell",
    lnk_recognise, lnk_run};
