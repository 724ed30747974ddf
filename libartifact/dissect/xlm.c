/* Excel 4.0 (XLM) macros in BIFF5/BIFF8 workbooks and .xlsb (BIFF12)
 * macro sheets: the sheets
 * (BOUNDSHEET: macro sheets, their hidden / very hidden state), the
 * built-in names (Auto_Open...), and the formulas of the macro sheets
 * decompiled from their parsed tokens ([MS-XLS] 2.5.198) to text, yielded
 * as one child ("xlm_macro.txt") so that YARA and the indicator scan see
 * them.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissect_private.h"

#define MAX_SHEETS   1000
#define MAX_NAMES    4096
#define MAX_FORMULAS 100000
#define MAX_TEXT     (16u << 20) /* bytes of formula text in the child */
#define MAX_STACK    64
#define MAX_OPERAND  4096 /* bytes of one decompiled operand */
#define MAX_LISTED   100

enum {
  RT_FORMULA = 0x0006,
  RT_EOF = 0x000a,
  RT_EXTERNSHEET = 0x0017,
  RT_NAME = 0x0018,
  RT_BOUNDSHEET = 0x0085,
  RT_BOF = 0x0809,
  RT_FILEPASS = 0x002f
};

/* ---- function names ([MS-XLS] 2.5.198.17 Ftab, 2.5.198.18 Cetab) --------
 * ARGS: the fixed argument count for ptgFunc, -1 when the function takes a
 * variable count (then it comes as ptgFuncVar with its count). */
typedef struct xl_func {
  uint16_t id;
  signed char args;
  const char *name;
} xl_func;

static const xl_func FUNCS[] = {
    {0x0000, -1, "COUNT"},
    {0x0001, -1, "IF"},
    {0x0002, 1, "ISNA"},
    {0x0003, 1, "ISERROR"},
    {0x0004, -1, "SUM"},
    {0x0005, -1, "AVERAGE"},
    {0x0006, -1, "MIN"},
    {0x0007, -1, "MAX"},
    {0x0008, -1, "ROW"},
    {0x0009, -1, "COLUMN"},
    {0x000a, 0, "NA"},
    {0x000f, 1, "SIN"},
    {0x0010, 1, "COS"},
    {0x0013, 0, "PI"},
    {0x0014, 1, "SQRT"},
    {0x0015, 1, "EXP"},
    {0x0016, 1, "LN"},
    {0x0017, 1, "LOG10"},
    {0x0018, 1, "ABS"},
    {0x0019, 1, "INT"},
    {0x001a, 1, "SIGN"},
    {0x001b, 2, "ROUND"},
    {0x001d, -1, "INDEX"},
    {0x001e, 2, "REPT"},
    {0x001f, 3, "MID"},
    {0x0020, 1, "LEN"},
    {0x0021, 1, "VALUE"},
    {0x0022, 0, "TRUE"},
    {0x0023, 0, "FALSE"},
    {0x0024, -1, "AND"},
    {0x0025, -1, "OR"},
    {0x0026, 1, "NOT"},
    {0x0027, 2, "MOD"},
    {0x0030, 2, "TEXT"},
    {0x0035, 1, "GOTO"},
    {0x0036, -1, "HALT"},
    {0x0037, -1, "RETURN"},
    {0x003f, 0, "RAND"},
    {0x0040, -1, "MATCH"},
    {0x0041, 3, "DATE"},
    {0x0042, 3, "TIME"},
    {0x0043, 1, "DAY"},
    {0x0044, 1, "MONTH"},
    {0x0045, 1, "YEAR"},
    {0x0046, -1, "WEEKDAY"},
    {0x0047, 1, "HOUR"},
    {0x0048, 1, "MINUTE"},
    {0x0049, 1, "SECOND"},
    {0x004a, 0, "NOW"},
    {0x004e, -1, "OFFSET"},
    {0x004f, 2, "ABSREF"},
    {0x0050, 2, "RELREF"},
    {0x0051, -1, "ARGUMENT"},
    {0x0052, -1, "SEARCH"},
    {0x0054, -1, "ERROR"},
    {0x0056, 1, "TYPE"},
    {0x0057, -1, "ECHO"},
    {0x0058, -1, "SET.NAME"},
    {0x0059, 0, "CALLER"},
    {0x005a, 1, "DEREF"},
    {0x005d, -1, "DOCUMENTS"},
    {0x005e, 0, "ACTIVE.CELL"},
    {0x0060, -1, "RESULT"},
    {0x0064, -1, "CHOOSE"},
    {0x0065, -1, "HLOOKUP"},
    {0x0066, -1, "VLOOKUP"},
    {0x0068, -1, "INPUT"},
    {0x0069, 1, "ISREF"},
    {0x006a, 1, "GET.FORMULA"},
    {0x006b, -1, "GET.NAME"},
    {0x006c, 2, "SET.VALUE"},
    {0x006e, -1, "EXEC"},
    {0x006f, 1, "CHAR"},
    {0x0070, 1, "LOWER"},
    {0x0071, 1, "UPPER"},
    {0x0073, -1, "LEFT"},
    {0x0074, -1, "RIGHT"},
    {0x0075, 2, "EXACT"},
    {0x0076, 1, "TRIM"},
    {0x0077, 4, "REPLACE"},
    {0x0078, -1, "SUBSTITUTE"},
    {0x0079, 1, "CODE"},
    {0x007b, -1, "DIRECTORY"},
    {0x007c, -1, "FIND"},
    {0x007e, 1, "ISERR"},
    {0x007f, 1, "ISTEXT"},
    {0x0080, 1, "ISNUMBER"},
    {0x0081, 1, "ISBLANK"},
    {0x0082, 1, "T"},
    {0x0083, 1, "N"},
    {0x0084, -1, "FOPEN"},
    {0x0085, 1, "FCLOSE"},
    {0x0086, 1, "FSIZE"},
    {0x0087, 1, "FREADLN"},
    {0x0088, 2, "FREAD"},
    {0x0089, 2, "FWRITELN"},
    {0x008a, 2, "FWRITE"},
    {0x008b, -1, "FPOS"},
    {0x0091, -1, "GET.DEF"},
    {0x0092, -1, "REFTEXT"},
    {0x0093, -1, "TEXTREF"},
    {0x0094, -1, "INDIRECT"},
    {0x0095, -1, "REGISTER"},
    {0x0096, -1, "CALL"},
    {0x00a6, -1, "FILES"},
    {0x00a9, -1, "COUNTA"},
    {0x00ab, -1, "FOR"},
    {0x00ac, 1, "WHILE"},
    {0x00ad, 0, "BREAK"},
    {0x00ae, 0, "NEXT"},
    {0x00af, 2, "INITIATE"},
    {0x00b0, 2, "REQUEST"},
    {0x00b1, 3, "POKE"},
    {0x00b2, 2, "EXECUTE"},
    {0x00b3, 1, "TERMINATE"},
    {0x00b7, -1, "PRODUCT"},
    {0x00b9, -1, "GET.CELL"},
    {0x00ba, -1, "GET.WORKSPACE"},
    {0x00bb, -1, "GET.WINDOW"},
    {0x00bc, -1, "GET.DOCUMENT"},
    {0x00bf, -1, "GET.NOTE"},
    {0x00c0, -1, "NOTE"},
    {0x00c5, -1, "TRUNC"},
    {0x00c6, 1, "ISLOGICAL"},
    {0x00c9, -1, "UNREGISTER"},
    {0x00d4, 2, "ROUNDUP"},
    {0x00d5, 2, "ROUNDDOWN"},
    {0x00db, -1, "ADDRESS"},
    {0x00df, 0, "ELSE"},
    {0x00e0, 1, "ELSE.IF"},
    {0x00e1, 0, "END.IF"},
    {0x00ed, -1, "VOLATILE"},
    {0x0101, 1, "EVALUATE"},
    {0x010b, -1, "REGISTER.ID"},
    {0x0150, -1, "CONCATENATE"},
    {0x8000, -1, "BEEP"},
    {0x8001, -1, "OPEN"},
    {0x8004, -1, "SAVE"},
    {0x8005, -1, "SAVE.AS"},
    {0x8006, -1, "FILE.DELETE"},
    {0x800a, -1, "QUIT"},
    {0x8010, -1, "CLOSE"},
    {0x8011, -1, "RUN"},
    {0x803d, -1, "DEFINE.NAME"},
    {0x805d, -1, "HIDE"},
    {0x805e, -1, "UNHIDE"},
    {0x8060, -1, "FORMULA"},
    {0x8061, -1, "FORMULA.FILL"},
    {0x8062, -1, "FORMULA.ARRAY"},
    {0x8067, -1, "ACTIVATE"},
    {0x806d, -1, "SELECT"},
    {0x806e, -1, "DELETE.NAME"},
    {0x8076, -1, "ALERT"},
    {0x807a, -1, "MESSAGE"},
    {0x8083, -1, "SEND.KEYS"},
    {0x8094, -1, "ON.TIME"},
    {0x8095, -1, "WAIT"},
    {0x80a8, -1, "ON.KEY"},
    {0x80ad, -1, "APP.MAXIMIZE"},
    {0x8124, -1, "WORKBOOK.ACTIVATE"},
    {0x817f, -1, "WORKBOOK.HIDE"},
    {0x8180, -1, "WORKBOOK.UNHIDE"},
    {0x819d, -1, "WORKBOOK.NEXT"},
};

static const xl_func *func(uint16_t id)
{
  for (size_t i = 0; i < sizeof FUNCS / sizeof FUNCS[0]; i++)
    if (FUNCS[i].id == id)
      return &FUNCS[i];
  return NULL;
}

/* Built-in names ([MS-XLS] 2.5.114, the first character's value). */
static const char *builtin_name(unsigned c)
{
  static const char *const n[] = {
      "Consolidate_Area", "Auto_Open",      "Auto_Close",    "Extract",
      "Database",         "Criteria",       "Print_Area",    "Print_Titles",
      "Recorder",         "Data_Form",      "Auto_Activate", "Auto_Deactivate",
      "Sheet_Title",      "_FilterDatabase"};
  return c < sizeof n / sizeof n[0] ? n[c] : NULL;
}

/* ---- a growing string ----------------------------------------------------
 */
typedef struct sbuf {
  char *p;
  size_t n, cap;
  int over; /* a cap was hit: the text is cut */
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n, size_t max)
{
  if (!s)
    n = 0;
  if (b->n + n > max) {
    b->over = 1;
    n = b->n < max ? max - b->n : 0;
  }
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + n + 1)
      cap *= 2;
    char *q = realloc(b->p, cap);
    if (!q) {
      b->over = 1;
      return;
    }
    b->p = q;
    b->cap = cap;
  }
  if (n)
    memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *s, size_t max)
{
  sb_add(b, s, strlen(s), max);
}

/* A BIFF string as UTF-8: BIFF8 Latin-1 ("compressed") or UTF-16LE by
 * its flags byte, BIFF5 bytes in the code page (taken as CP1252; bytes
 * above 0x7f as U+FFFD is avoided by a Latin-1 reading). */
static void
put_chars(sbuf *b, const uint8_t *p, size_t cch, int wide, size_t max)
{
  for (size_t i = 0; i < cch; i++) {
    unsigned c = wide ? le16(p + 2 * i) : p[i];
    char u[4];
    size_t n;
    if (wide && c >= 0xd800 && c <= 0xdbff && i + 1 < cch) {
      unsigned lo = le16(p + 2 * (i + 1));
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        unsigned cp = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        char v[4] = {(char)(0xf0 | cp >> 18), (char)(0x80 | ((cp >> 12) & 63)),
                     (char)(0x80 | ((cp >> 6) & 63)), (char)(0x80 | (cp & 63))};
        sb_add(b, v, 4, max);
        i++;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff)
      c = 0xfffd;
    if (c < 0x20 || c == 0x7f) {
      char e[8];
      snprintf(e, sizeof e, "\\x%02X", c);
      sb_str(b, e, max);
      continue;
    }
    if (c < 0x80) {
      u[0] = (char)c;
      n = 1;
    } else if (c < 0x800) {
      u[0] = (char)(0xc0 | c >> 6);
      u[1] = (char)(0x80 | (c & 63));
      n = 2;
    } else {
      u[0] = (char)(0xe0 | c >> 12);
      u[1] = (char)(0x80 | ((c >> 6) & 63));
      u[2] = (char)(0x80 | (c & 63));
      n = 3;
    }
    sb_add(b, u, n, max);
  }
}

/* ---- the workbook ---------------------------------------------------------
 */
typedef struct sheet {
  char *name;
  uint32_t pos;
  int state; /* 0 visible, 1 hidden, 2 very hidden */
  int type;  /* 0 worksheet, 1 macro sheet, 2 chart, 6 VBA module */
} sheet;

typedef struct book {
  const uint8_t *d;
  size_t n;
  int biff8;
  int biff12; /* .xlsb (BIFF12): wider cell references, UTF-16 strings */
  sheet *sheets;
  size_t n_sheets;
  char **names; /* NAME records in order (for ptgName), UTF-8 */
  size_t n_names;
  uint16_t (*xti)[3]; /* EXTERNSHEET: supbook, first, last sheet */
  size_t n_xti;
  int damaged;
} book;

static void col_name(unsigned col, char *out)
{
  char t[8];
  int n = 0;
  col++;
  while (col && n < 7) {
    col--;
    t[n++] = (char)('A' + col % 26);
    col /= 26;
  }
  for (int i = 0; i < n; i++)
    out[i] = t[n - 1 - i];
  out[n] = '\0';
}

static void cell_ref(char *out, size_t cap, unsigned row, unsigned col)
{
  char c[8];
  col_name(col, c);
  snprintf(out, cap, "%s%u", c, row + 1);
}

static const char *sheet_of_xti(const book *b, unsigned ixti)
{
  if (b->biff8) {
    if (ixti < b->n_xti && b->xti[ixti][1] < b->n_sheets)
      return b->sheets[b->xti[ixti][1]].name;
    return NULL;
  }
  return NULL;
}

/* Decompile the parsed formula RGCE (CCE bytes) to text in OUT. Returns
 * 0 when a token could not be read (OUT then ends with what could). */
static int decompile(const book *b, const uint8_t *p, size_t cce, sbuf *out)
{
  sbuf st[MAX_STACK];
  size_t sp = 0, i = 0;
  int ok = 1;
  memset(st, 0, sizeof st);
#define NEED(k)                                                                \
  do {                                                                         \
    if (i + (k) > cce) {                                                       \
      ok = 0;                                                                  \
      goto done;                                                               \
    }                                                                          \
  } while (0)
#define PUSH()                                                                 \
  do {                                                                         \
    if (sp == MAX_STACK) {                                                     \
      ok = 0;                                                                  \
      goto done;                                                               \
    }                                                                          \
    memset(&st[sp], 0, sizeof st[sp]);                                         \
    sb_add(&st[sp], "", 0, MAX_OPERAND);                                       \
    sp++;                                                                      \
  } while (0)
  while (i < cce) {
    uint8_t t = p[i++];
    if (t >= 0x80) { /* no token has the high bit */
      ok = 0;
      goto done;
    }
    uint8_t base = t >= 0x20 ? (uint8_t)((t & 0x1f) | 0x20) : t;
    char ref[64];
    if (t >= 0x03 && t <= 0x11) {
      static const char *const ops[] = {"+", "-",  "*",  "/", "^",
                                        "&", "<",  "<=", "=", ">=",
                                        ">", "<>", " ",  ",", ":"};
      if (sp < 2) {
        ok = 0;
        goto done;
      }
      sbuf *a = &st[sp - 2], *c = &st[sp - 1];
      sb_str(a, ops[t - 3], MAX_OPERAND);
      sb_add(a, c->p, c->n, MAX_OPERAND);
      free(c->p);
      sp--;
      continue;
    }
    switch (base) {
    case 0x01: /* ptgExp, ptgTbl: a shared formula's anchor */
    case 0x02:
      NEED(4);
      if (b->biff12) /* its row only */
        snprintf(ref, sizeof ref, "R%lu", (unsigned long)le32(p + i) + 1);
      else
        cell_ref(ref, sizeof ref, le16(p + i),
                 b->biff8 ? le16(p + i + 2) & 0x3fff : p[i + 2]);
      i += 4;
      PUSH();
      sb_str(&st[sp - 1], "{shared ", MAX_OPERAND);
      sb_str(&st[sp - 1], ref, MAX_OPERAND);
      sb_str(&st[sp - 1], "}", MAX_OPERAND);
      break;
    case 0x12: /* unary plus, minus, percent, parentheses */
    case 0x13:
    case 0x14:
    case 0x15: {
      if (sp < 1) {
        ok = 0;
        goto done;
      }
      sbuf *a = &st[sp - 1], r = {0};
      sb_str(&r,
             base == 0x12   ? "+"
             : base == 0x13 ? "-"
             : base == 0x15 ? "("
                            : "",
             MAX_OPERAND);
      sb_add(&r, a->p, a->n, MAX_OPERAND);
      if (base == 0x14)
        sb_str(&r, "%", MAX_OPERAND);
      if (base == 0x15)
        sb_str(&r, ")", MAX_OPERAND);
      free(a->p);
      *a = r;
      break;
    }
    case 0x16: /* missing argument */
      PUSH();
      break;
    case 0x17: { /* string */
      size_t cch;
      int wide = 0;
      if (b->biff12) { /* 16-bit count, UTF-16 */
        NEED(2);
        cch = le16(p + i);
        i += 2;
        wide = 1;
      } else {
        NEED(1);
        cch = p[i++];
      }
      if (b->biff8 && !b->biff12) {
        NEED(1);
        wide = p[i++] & 1;
      }
      NEED(cch * (wide ? 2 : 1));
      PUSH();
      sbuf *a = &st[sp - 1];
      sb_str(a, "\"", MAX_OPERAND);
      /* inner quotes doubled, as Excel writes them */
      for (size_t k = 0; k < cch; k++) {
        unsigned ch = wide ? le16(p + i + 2 * k) : p[i + k];
        if (ch == '"')
          sb_str(a, "\"\"", MAX_OPERAND);
        else
          put_chars(a, p + i + (wide ? 2 * k : k), 1, wide, MAX_OPERAND);
      }
      sb_str(a, "\"", MAX_OPERAND);
      i += cch * (wide ? 2 : 1);
      break;
    }
    case 0x18: /* extended tokens (ptgElf...): not in macro sheets */
      ok = 0;
      goto done;
    case 0x19: { /* ptgAttr */
      NEED(3);
      uint8_t f = p[i];
      uint16_t w = le16(p + i + 1);
      i += 3;
      if (f & 0x04) { /* tAttrChoose: a jump table */
        NEED((size_t)(w + 1) * 2);
        i += (size_t)(w + 1) * 2;
      } else if (f & 0x10) { /* tAttrSum: SUM of one argument */
        if (sp < 1) {
          ok = 0;
          goto done;
        }
        sbuf r = {0};
        sb_str(&r, "SUM(", MAX_OPERAND);
        sb_add(&r, st[sp - 1].p, st[sp - 1].n, MAX_OPERAND);
        sb_str(&r, ")", MAX_OPERAND);
        free(st[sp - 1].p);
        st[sp - 1] = r;
      }
      break;
    }
    case 0x1c: /* error */
    case 0x1d: /* bool */ {
      NEED(1);
      uint8_t v = p[i++];
      const char *s = base == 0x1d ? (v ? "TRUE" : "FALSE")
                      : v == 0x00  ? "#NULL!"
                      : v == 0x07  ? "#DIV/0!"
                      : v == 0x0f  ? "#VALUE!"
                      : v == 0x17  ? "#REF!"
                      : v == 0x1d  ? "#NAME?"
                      : v == 0x24  ? "#NUM!"
                                   : "#N/A";
      PUSH();
      sb_str(&st[sp - 1], s, MAX_OPERAND);
      break;
    }
    case 0x1e: /* integer */
      NEED(2);
      snprintf(ref, sizeof ref, "%u", le16(p + i));
      i += 2;
      PUSH();
      sb_str(&st[sp - 1], ref, MAX_OPERAND);
      break;
    case 0x1f: { /* IEEE double */
      NEED(8);
      double v;
      uint64_t u = (uint64_t)le32(p + i) | (uint64_t)le32(p + i + 4) << 32;
      memcpy(&v, &u, sizeof v);
      snprintf(ref, sizeof ref, "%.15g", v);
      i += 8;
      PUSH();
      sb_str(&st[sp - 1], ref, MAX_OPERAND);
      break;
    }
    case 0x20: /* array constant: its values follow the formula */
      NEED(b->biff12 ? 14 : 7);
      i += b->biff12 ? 14 : 7;
      PUSH();
      sb_str(&st[sp - 1], "{array}", MAX_OPERAND);
      break;
    case 0x21:   /* ptgFunc: fixed arguments */
    case 0x22: { /* ptgFuncVar: its count, then the function */
      size_t nargs;
      uint16_t id;
      if (base == 0x21) {
        NEED(2);
        id = le16(p + i);
        i += 2;
        const xl_func *f = func(id);
        nargs = f && f->args >= 0 ? (size_t)f->args : 1;
      } else {
        NEED(3);
        nargs = p[i] & 0x7f;
        id = le16(p + i + 1);
        i += 3;
      }
      if (nargs > sp) {
        ok = 0;
        goto done;
      }
      const xl_func *f = func(id);
      sbuf r = {0};
      size_t first = sp - nargs;
      if ((id & 0x7fff) == 0x00ff && nargs > 0) {
        /* a user-defined function: its name is the first argument */
        sb_add(&r, st[first].p, st[first].n, MAX_OPERAND);
        first++;
      } else if (f) {
        sb_str(&r, f->name, MAX_OPERAND);
      } else {
        snprintf(ref, sizeof ref, "%s%04X", id & 0x8000 ? "_CMD_" : "_FUNC_",
                 id & 0x7fff);
        sb_str(&r, ref, MAX_OPERAND);
      }
      sb_str(&r, "(", MAX_OPERAND);
      for (size_t k = first; k < sp; k++) {
        if (k > first)
          sb_str(&r, ",", MAX_OPERAND);
        sb_add(&r, st[k].p, st[k].n, MAX_OPERAND);
      }
      sb_str(&r, ")", MAX_OPERAND);
      for (size_t k = sp - nargs; k < sp; k++)
        free(st[k].p);
      sp -= nargs;
      PUSH();
      free(st[sp - 1].p);
      st[sp - 1] = r;
      break;
    }
    case 0x23: { /* ptgName: a defined name, 1-based */
      uint32_t ix;
      if (b->biff8) {
        NEED(4);
        ix = le32(p + i);
        i += 4;
      } else {
        NEED(14);
        ix = le16(p + i);
        i += 14;
      }
      PUSH();
      if (ix >= 1 && ix <= b->n_names && b->names[ix - 1])
        sb_str(&st[sp - 1], b->names[ix - 1], MAX_OPERAND);
      else {
        snprintf(ref, sizeof ref, "_NAME_%u", ix);
        sb_str(&st[sp - 1], ref, MAX_OPERAND);
      }
      break;
    }
    case 0x24: /* ptgRef */
    case 0x2c: /* ptgRefN */
    case 0x2a: /* ptgRefErr */ {
      size_t k = b->biff12 ? 6 : b->biff8 ? 4 : 3;
      NEED(k);
      if (base == 0x2a)
        snprintf(ref, sizeof ref, "#REF!");
      else if (b->biff12)
        cell_ref(ref, sizeof ref, le32(p + i) & 0xfffff,
                 le16(p + i + 4) & 0x3fff);
      else
        cell_ref(ref, sizeof ref, le16(p + i) & (b->biff8 ? 0xffff : 0x3fff),
                 b->biff8 ? le16(p + i + 2) & 0x3fff : p[i + 2]);
      i += k;
      PUSH();
      sb_str(&st[sp - 1], ref, MAX_OPERAND);
      break;
    }
    case 0x25: /* ptgArea */
    case 0x2d: /* ptgAreaN */
    case 0x2b: /* ptgAreaErr */ {
      size_t k = b->biff12 ? 12 : b->biff8 ? 8 : 6;
      char r2[32];
      NEED(k);
      if (base == 0x2b) {
        snprintf(ref, sizeof ref, "#REF!");
      } else if (b->biff12) {
        cell_ref(ref, sizeof ref, le32(p + i) & 0xfffff,
                 le16(p + i + 8) & 0x3fff);
        cell_ref(r2, sizeof r2, le32(p + i + 4) & 0xfffff,
                 le16(p + i + 10) & 0x3fff);
        strncat(ref, ":", sizeof ref - strlen(ref) - 1);
        strncat(ref, r2, sizeof ref - strlen(ref) - 1);
      } else if (b->biff8) {
        cell_ref(ref, sizeof ref, le16(p + i), le16(p + i + 4) & 0x3fff);
        cell_ref(r2, sizeof r2, le16(p + i + 2), le16(p + i + 6) & 0x3fff);
        strncat(ref, ":", sizeof ref - strlen(ref) - 1);
        strncat(ref, r2, sizeof ref - strlen(ref) - 1);
      } else {
        cell_ref(ref, sizeof ref, le16(p + i) & 0x3fff, p[i + 4]);
        cell_ref(r2, sizeof r2, le16(p + i + 2) & 0x3fff, p[i + 5]);
        strncat(ref, ":", sizeof ref - strlen(ref) - 1);
        strncat(ref, r2, sizeof ref - strlen(ref) - 1);
      }
      i += k;
      PUSH();
      sb_str(&st[sp - 1], ref, MAX_OPERAND);
      break;
    }
    case 0x26: /* ptgMemArea, MemErr, MemNoMem: a sub-expression follows */
    case 0x27:
    case 0x28:
      NEED(6);
      i += 6;
      break;
    case 0x29: /* ptgMemFunc */
      NEED(2);
      i += 2;
      break;
    case 0x39: /* ptgNameX: an external (add-in) name */
      NEED(b->biff8 ? 6 : 24);
      snprintf(ref, sizeof ref, "_NAMEX_%u",
               b->biff8 ? le32(p + i + 2) : le16(p + i + 10));
      i += b->biff8 ? 6 : 24;
      PUSH();
      sb_str(&st[sp - 1], ref, MAX_OPERAND);
      break;
    case 0x3a: /* ptgRef3d */
    case 0x3c: /* ptgRefErr3d */ {
      size_t k = b->biff12 ? 8 : b->biff8 ? 6 : 17;
      NEED(k);
      const char *sh = NULL;
      if (b->biff12) {
        sh = sheet_of_xti(b, le16(p + i));
        cell_ref(ref, sizeof ref, le32(p + i + 2) & 0xfffff,
                 le16(p + i + 6) & 0x3fff);
      } else if (b->biff8) {
        sh = sheet_of_xti(b, le16(p + i));
        cell_ref(ref, sizeof ref, le16(p + i + 2), le16(p + i + 4) & 0x3fff);
      } else {
        uint16_t itab = le16(p + i + 10);
        sh = itab < b->n_sheets ? b->sheets[itab].name : NULL;
        cell_ref(ref, sizeof ref, le16(p + i + 14) & 0x3fff, p[i + 16]);
      }
      if (base == 0x3c)
        snprintf(ref, sizeof ref, "#REF!");
      i += k;
      PUSH();
      if (sh) {
        sb_str(&st[sp - 1], sh, MAX_OPERAND);
        sb_str(&st[sp - 1], "!", MAX_OPERAND);
      }
      sb_str(&st[sp - 1], ref, MAX_OPERAND);
      break;
    }
    case 0x3b: /* ptgArea3d */
    case 0x3d: /* ptgAreaErr3d */ {
      size_t k = b->biff12 ? 14 : b->biff8 ? 10 : 20;
      char r2[32];
      NEED(k);
      const char *sh = NULL;
      if (b->biff12) {
        sh = sheet_of_xti(b, le16(p + i));
        cell_ref(ref, sizeof ref, le32(p + i + 2) & 0xfffff,
                 le16(p + i + 10) & 0x3fff);
        cell_ref(r2, sizeof r2, le32(p + i + 6) & 0xfffff,
                 le16(p + i + 12) & 0x3fff);
      } else if (b->biff8) {
        sh = sheet_of_xti(b, le16(p + i));
        cell_ref(ref, sizeof ref, le16(p + i + 2), le16(p + i + 6) & 0x3fff);
        cell_ref(r2, sizeof r2, le16(p + i + 4), le16(p + i + 8) & 0x3fff);
      } else {
        uint16_t itab = le16(p + i + 10);
        sh = itab < b->n_sheets ? b->sheets[itab].name : NULL;
        cell_ref(ref, sizeof ref, le16(p + i + 14) & 0x3fff, p[i + 18]);
        cell_ref(r2, sizeof r2, le16(p + i + 16) & 0x3fff, p[i + 19]);
      }
      strncat(ref, ":", sizeof ref - strlen(ref) - 1);
      strncat(ref, r2, sizeof ref - strlen(ref) - 1);
      if (base == 0x3d)
        snprintf(ref, sizeof ref, "#REF!");
      i += k;
      PUSH();
      if (sh) {
        sb_str(&st[sp - 1], sh, MAX_OPERAND);
        sb_str(&st[sp - 1], "!", MAX_OPERAND);
      }
      sb_str(&st[sp - 1], ref, MAX_OPERAND);
      break;
    }
    default:
      ok = 0;
      goto done;
    }
  }
done:
#undef NEED
#undef PUSH
  /* the formula is what is left on the stack (one operand when whole) */
  if (sp != 1)
    ok = 0;
  for (size_t k = 0; k < sp; k++) {
    if (k)
      sb_str(out, " ", MAX_TEXT);
    if (st[k].p)
      sb_add(out, st[k].p, st[k].n, MAX_TEXT);
    free(st[k].p);
  }
  return ok;
}

/* The functions malicious macro sheets use to run code, download, or
 * write formulas at run time, found in the decompiled text as calls. */
void art__xlm_keywords(const char *f, json_t *kw)
{
  static const char *const K[] = {"EXEC",
                                  "CALL",
                                  "REGISTER",
                                  "REGISTER.ID",
                                  "RUN",
                                  "FORMULA",
                                  "FORMULA.FILL",
                                  "FORMULA.ARRAY",
                                  "URLDownloadToFileA",
                                  "URLDownloadToFile",
                                  "ShellExecuteA",
                                  "EXECUTE",
                                  "FOPEN",
                                  "FWRITE",
                                  "FWRITELN",
                                  "SET.NAME",
                                  "SET.VALUE",
                                  "CHAR",
                                  "GET.WORKSPACE",
                                  "WORKBOOK.HIDE",
                                  "FILE.DELETE"};
  for (size_t k = 0; k < sizeof K / sizeof K[0]; k++) {
    size_t l = strlen(K[k]);
    int found = 0;
    for (const char *p = f; !found && (p = strcasestr(p, K[k])) != NULL; p++) {
      char before = p == f ? ' ' : p[-1], after = p[l];
      int call = after == '(' || after == '"';
      if (!(before == '_' || before == '.' ||
            (before >= 'A' && before <= 'Z') ||
            (before >= 'a' && before <= 'z') ||
            (before >= '0' && before <= '9')) &&
          call)
        found = 1;
    }
    if (!found)
      continue;
    size_t i;
    json_t *v;
    int dup = 0;
    json_array_foreach(kw, i, v) dup |=
        strcasecmp(json_string_value(v), K[k]) == 0;
    if (!dup)
      json_array_append_new(kw, json_string(K[k]));
  }
}

static const char *state_name(int s)
{
  return s == 0   ? "visible"
         : s == 1 ? "hidden"
         : s == 2 ? "very_hidden"
                  : "unknown";
}

static const char *type_name(int t)
{
  return t == 0   ? "worksheet"
         : t == 1 ? "macro"
         : t == 2 ? "chart"
         : t == 6 ? "vba_module"
                  : "unknown";
}

/* The globals substream: sheets, names, EXTERNSHEET. */
static void globals(book *b, int *filepass)
{
  size_t i = 0;
  int first = 1;
  while (i + 4 <= b->n) {
    uint16_t id = le16(b->d + i), rl = le16(b->d + i + 2);
    const uint8_t *r = b->d + i + 4;
    if (rl > b->n - i - 4) {
      b->damaged = 1;
      break;
    }
    if (first) {
      if (id != RT_BOF && id != 0x0409 && id != 0x0209) {
        b->damaged = 1;
        return;
      }
      b->biff8 = rl >= 2 && le16(r) >= 0x0600;
      first = 0;
    } else if (id == RT_EOF) {
      break;
    } else if (id == RT_FILEPASS) {
      /* the records after it have their bodies encrypted */
      *filepass = 1;
    } else if (*filepass) {
      /* nothing more can be read in clear */
    } else if (id == RT_BOUNDSHEET && rl >= 8 && b->n_sheets < MAX_SHEETS) {
      sheet s = {NULL, le32(r), r[4] & 3, r[5]};
      size_t cch = r[6];
      sbuf nm = {0};
      if (b->biff8) {
        int wide = r[7] & 1;
        size_t need = 8 + cch * (wide ? 2 : 1);
        put_chars(&nm, r + 8, need <= rl ? cch : 0, wide, 1024);
      } else {
        put_chars(&nm, r + 7, 7 + cch <= rl ? cch : 0, 0, 1024);
      }
      if (!nm.p)
        sb_add(&nm, "", 0, 1024);
      s.name = nm.p;
      sheet *q = realloc(b->sheets, (b->n_sheets + 1) * sizeof *q);
      if (!q) {
        free(s.name);
        break;
      }
      b->sheets = q;
      b->sheets[b->n_sheets++] = s;
    } else if (id == RT_NAME && rl >= 14 && b->n_names < MAX_NAMES) {
      uint16_t grbit = le16(r);
      size_t cch = r[3];
      sbuf nm = {0};
      const uint8_t *np = r + 14;
      int wide = 0;
      size_t avail = rl - 14;
      if (b->biff8 && avail >= 1) {
        wide = np[0] & 1;
        np++;
        avail--;
      }
      if (cch * (wide ? 2 : 1) > avail)
        cch = avail / (wide ? 2 : 1);
      if ((grbit & 0x0020) && cch >= 1) {
        unsigned c = wide ? le16(np) : np[0];
        const char *bn = builtin_name(c);
        if (bn)
          sb_str(&nm, bn, 1024);
        else
          put_chars(&nm, np, cch, wide, 1024);
      } else {
        put_chars(&nm, np, cch, wide, 1024);
      }
      if (!nm.p)
        sb_add(&nm, "", 0, 1024);
      char **q = realloc(b->names, (b->n_names + 1) * sizeof *q);
      if (!q) {
        free(nm.p);
        break;
      }
      b->names = q;
      b->names[b->n_names++] = nm.p;
    } else if (id == RT_EXTERNSHEET && b->biff8 && rl >= 2 && !b->xti) {
      size_t n = le16(r);
      if (2 + n * 6 > rl)
        n = (rl - 2u) / 6;
      b->xti = calloc(n ? n : 1, sizeof *b->xti);
      if (b->xti) {
        for (size_t k = 0; k < n; k++) {
          b->xti[k][0] = le16(r + 2 + 6 * k);
          b->xti[k][1] = le16(r + 4 + 6 * k);
          b->xti[k][2] = le16(r + 6 + 6 * k);
        }
        b->n_xti = n;
      }
    }
    i += 4u + rl;
  }
}

art_status art__xlm_dissect(cfb *c,
                            const art_dissect_input *in,
                            art_dissect_sink *sink,
                            json_t *sum)
{
  long wi = art__cfb_find(c, "Workbook");
  size_t n = 0;
  uint8_t *d;
  if (wi < 0)
    wi = art__cfb_find(c, "Book");
  if (wi < 0)
    return ART_OK;
  d = art__cfb_read(c, (size_t)wi, (uint64_t)1 << 30, &n);
  if (!d)
    return ART_OK;
  return art__xlm_dissect_stream(d, n, in, sink, sum);
}

void art__xlm_flags(art_dissect_sink *sink,
                    int autoexec,
                    int hidden,
                    const json_t *kw)
{
  art_dissect_sink_flag(sink, "xlm_macros");
  if (autoexec)
    art_dissect_sink_flag(sink, "xlm_autoexec");
  if (hidden)
    art_dissect_sink_flag(sink, "xlm_hidden_sheet");
  if (json_array_size(kw))
    art_dissect_sink_flag(sink, "xlm_suspicious");
}

/* ---- what a workbook's macro sheets give, BIFF5/8 and BIFF12 alike ---- */
typedef struct xlm_out {
  json_t *sheets, *flist, *kw;
  sbuf text;
  size_t macro_sheets, n_formulas, unparsed;
  int hidden;
} xlm_out;

static void out_init(xlm_out *o)
{
  memset(o, 0, sizeof *o);
  o->sheets = json_array();
  o->flist = json_array();
  o->kw = json_array();
}

static void out_sheet(xlm_out *o, const char *name, int type, int state)
{
  json_t *s = json_object();
  json_object_set_new(s, "name", art__dissect_jstr(name));
  json_object_set_new(s, "type", json_string(type_name(type)));
  json_object_set_new(s, "state", json_string(state_name(state)));
  json_array_append_new(o->sheets, s);
  if (type == 1) {
    o->macro_sheets++;
    if (state != 0)
      o->hidden = 1;
  }
}

/* One decompiled formula F (OK: whole) of cell REF of SHEET_NAME. */
static void out_formula(
    xlm_out *o, const char *sheet_name, const char *ref, sbuf *f, int ok)
{
  if (!ok)
    o->unparsed++;
  sb_str(&o->text, sheet_name, MAX_TEXT);
  sb_str(&o->text, "!", MAX_TEXT);
  sb_str(&o->text, ref, MAX_TEXT);
  sb_str(&o->text, ok ? "\t=" : "\t(not decompiled whole) =", MAX_TEXT);
  if (f->p)
    sb_add(&o->text, f->p, f->n, MAX_TEXT);
  sb_str(&o->text, "\n", MAX_TEXT);
  if (json_array_size(o->flist) < MAX_LISTED) {
    json_t *fo = json_object();
    json_object_set_new(fo, "sheet", art__dissect_jstr(sheet_name));
    json_object_set_new(fo, "cell", json_string(ref));
    json_object_set_new(fo, "formula", art__dissect_jstr(f->p ? f->p : ""));
    json_object_set_new(fo, "complete", json_boolean(ok));
    json_array_append_new(o->flist, fo);
  }
  if (f->p)
    art__xlm_keywords(f->p, o->kw);
  o->n_formulas++;
}

/* SUM's "xlm" (null without a macro sheet), the flags and the
 * xlm_macro.txt child; the names of B that run macros by themselves. */
static art_status out_finish(xlm_out *o,
                             const book *b,
                             int biff,
                             int encrypted,
                             art_dissect_sink *sink,
                             json_t *sum)
{
  art_status st = ART_OK;
  int autoexec = 0;
  json_t *names = json_array();
  for (size_t k = 0; k < b->n_names; k++) {
    const char *nm = b->names[k];
    if (strncasecmp(nm, "Auto_Open", 9) == 0 ||
        strncasecmp(nm, "Auto_Close", 10) == 0 ||
        strncasecmp(nm, "Auto_Activate", 13) == 0 ||
        strncasecmp(nm, "Auto_Deactivate", 15) == 0) {
      json_array_append_new(names, art__dissect_jstr(nm));
      autoexec = 1;
    }
  }
  if (o->macro_sheets == 0) {
    json_decref(o->flist);
    json_decref(o->kw);
    json_decref(o->sheets);
    json_decref(names);
    free(o->text.p);
    json_object_set_new(sum, "xlm", json_null());
    return ART_OK;
  }
  json_t *x = json_object();
  json_object_set_new(x, "biff", json_integer(biff));
  json_object_set_new(x, "sheets", o->sheets);
  json_object_set_new(x, "macro_sheets",
                      json_integer((json_int_t)o->macro_sheets));
  json_object_set_new(x, "autoexec_names", names);
  json_object_set_new(x, "formulas", json_integer((json_int_t)o->n_formulas));
  json_object_set_new(x, "formulas_not_decompiled",
                      json_integer((json_int_t)o->unparsed));
  json_object_set_new(x, "encrypted", json_boolean(encrypted));
  json_object_set_new(x, "suspicious", o->kw);
  json_object_set_new(x, "formula_list", o->flist);
  json_object_set_new(sum, "xlm", x);
  art__xlm_flags(sink, autoexec, o->hidden, o->kw);
  if (o->text.n) {
    art_dissect_child ch = {"xlm-macro", "xlm_macro.txt",         o->text.p,
                            o->text.n,   "text/x-excel-formulas", NULL,
                            o->text.over};
    if (art_dissect_sink_child(sink, &ch) == ART_ERR_LIMIT)
      st = ART_ERR_LIMIT;
  }
  free(o->text.p);
  return st;
}

static void book_free(book *b)
{
  for (size_t s = 0; s < b->n_sheets; s++)
    free(b->sheets[s].name);
  for (size_t k = 0; k < b->n_names; k++)
    free(b->names[k]);
  free(b->sheets);
  free(b->names);
  free(b->xti);
}

art_status art__xlm_dissect_stream(uint8_t *d,
                                   size_t n,
                                   const art_dissect_input *in,
                                   art_dissect_sink *sink,
                                   json_t *sum)
{
  int filepass = 0;
  size_t budget;
  art_status st;
  book b;
  xlm_out o;
  memset(&b, 0, sizeof b);
  b.d = d;
  b.n = n;
  budget = n; /* records are 4 bytes at least: n/4 per pass, 4 passes */
  globals(&b, &filepass);
  out_init(&o);
  for (size_t s = 0; s < b.n_sheets; s++) {
    out_sheet(&o, b.sheets[s].name, b.sheets[s].type, b.sheets[s].state);
    if (b.sheets[s].type != 1 || filepass)
      continue; /* not a macro sheet, or its substream is encrypted */
    /* the macro sheet's substream: BOF ... EOF at lbPlyPos */
    size_t i = b.sheets[s].pos;
    int started = 0;
    /* sheets may point at the same substream: read at most four times the
     * stream's records in all */
    while (i + 4 <= n && o.n_formulas < MAX_FORMULAS && budget > 0) {
      budget--;
      uint16_t id = le16(d + i), rl = le16(d + i + 2);
      const uint8_t *r = d + i + 4;
      if (rl > n - i - 4) {
        b.damaged = 1;
        break;
      }
      if (!started) {
        if (id != RT_BOF && id != 0x0409 && id != 0x0209) {
          b.damaged = 1;
          break;
        }
        started = 1;
      } else if (id == RT_EOF || id == RT_BOF) {
        break;
      } else if (id == RT_FORMULA && rl >= 22) {
        char ref[32];
        size_t cce = le16(r + 20);
        if (cce > (size_t)rl - 22) {
          b.damaged = 1;
          cce = (size_t)rl - 22;
        }
        cell_ref(ref, sizeof ref, le16(r), le16(r + 2) & 0x3fff);
        sbuf f = {0};
        int ok = decompile(&b, r + 22, cce, &f);
        out_formula(&o, b.sheets[s].name, ref, &f, ok);
        free(f.p);
      }
      i += 4u + rl;
    }
  }
  st = out_finish(&o, &b, b.biff8 ? 8 : 5, filepass, sink, sum);
  if (b.damaged) {
    art_dissect_sink_error(sink,
                           "%s: ole: Workbook: a record runs past the stream "
                           "or a sheet does not start with BOF",
                           in->name);
    if (st == ART_OK)
      st = ART_ERR_CORRUPT;
  }
  book_free(&b);
  free(d);
  return st;
}

/* ---- .xlsb: BIFF12 records ([MS-XLSB] 2.1.4) ------------------------------
 */

/* The record at D[*I] (N bytes): its type and body; 0 at the end or when
 * the record is cut (*CUT set). Type and size are 7-bit groups, the high
 * bit saying another byte follows (type 2 bytes, size 4 at most). */
static int biff12_next(const uint8_t *d,
                       size_t n,
                       size_t *i,
                       unsigned *type,
                       const uint8_t **body,
                       size_t *len,
                       int *cut)
{
  size_t p = *i;
  unsigned t = 0;
  size_t l = 0;
  if (p >= n)
    return 0;
  for (int k = 0; k < 2; k++) {
    if (p >= n) {
      *cut = 1;
      return 0;
    }
    uint8_t c = d[p++];
    t |= (unsigned)(c & (k == 0 ? 0xff : 0x7f)) << (7 * k);
    if (!(c & 0x80))
      break;
    if (k == 0)
      t &= 0x7f;
  }
  for (int k = 0; k < 4; k++) {
    if (p >= n) {
      *cut = 1;
      return 0;
    }
    uint8_t c = d[p++];
    l |= (size_t)(c & 0x7f) << (7 * k);
    if (!(c & 0x80))
      break;
  }
  if (l > n - p) {
    *cut = 1;
    return 0;
  }
  *type = t;
  *body = d + p;
  *len = l;
  *i = p + l;
  return 1;
}

/* An XLWideString (32-bit count, UTF-16LE) at P (LEN bytes) as UTF-8;
 * *USED its bytes, 0 when it does not fit (0xFFFFFFFF: a null string). */
static char *wide_string(const uint8_t *p, size_t len, size_t *used)
{
  sbuf s = {0};
  *used = 0;
  if (len < 4)
    return NULL;
  uint32_t cch = le32(p);
  if (cch == 0xffffffffu) {
    *used = 4;
    return NULL;
  }
  if (cch > (len - 4) / 2)
    return NULL;
  put_chars(&s, p + 4, cch, 1, 1024);
  if (!s.p)
    sb_add(&s, "", 0, 1024);
  *used = 4 + (size_t)cch * 2;
  return s.p;
}

enum {
  RT12_ROWHDR = 0x0000,
  RT12_FMLASTRING = 0x0008,
  RT12_FMLANUM = 0x0009,
  RT12_FMLABOOL = 0x000a,
  RT12_FMLAERROR = 0x000b,
  RT12_NAME = 0x0027,
  RT12_BUNDLESH = 0x009c,
  RT12_EXTERNSHEET = 0x016a
};

art_status art__xlm_dissect_xlsb(const uint8_t *wb,
                                 size_t wn,
                                 art__xlsb_part_fn part,
                                 void *ud,
                                 const art_dissect_input *in,
                                 art_dissect_sink *sink,
                                 json_t *sum)
{
  book b;
  xlm_out o;
  size_t i = 0, len;
  unsigned type;
  const uint8_t *r;
  int cut = 0;
  char **rel = NULL; /* each sheet's relationship id */
  art_status st;
  memset(&b, 0, sizeof b);
  b.d = wb;
  b.n = wn;
  b.biff8 = b.biff12 = 1;
  /* the workbook part: sheets (BrtBundleSh), names (BrtName), XTIs */
  while (biff12_next(wb, wn, &i, &type, &r, &len, &cut)) {
    if (type == RT12_BUNDLESH && len >= 12 && b.n_sheets < MAX_SHEETS) {
      size_t u1 = 0, u2 = 0;
      char *id = wide_string(r + 8, len - 8, &u1);
      char *nm = u1 ? wide_string(r + 8 + u1, len - 8 - u1, &u2) : NULL;
      sheet *q = realloc(b.sheets, (b.n_sheets + 1) * sizeof *q);
      char **qr = realloc(rel, (b.n_sheets + 1) * sizeof *qr);
      if (qr)
        rel = qr;
      if (!q || !qr) {
        if (q)
          b.sheets = q;
        free(id);
        free(nm);
        break;
      }
      b.sheets = q;
      if (!nm) {
        sbuf e = {0};
        sb_add(&e, "", 0, 1024);
        nm = e.p;
      }
      /* the sheet's kind comes from its relationship (macro sheet or
       * not), its state from hsState */
      b.sheets[b.n_sheets] = (sheet){nm, 0, (int)(le32(r) & 3), 0};
      rel[b.n_sheets++] = id;
    } else if (type == RT12_NAME && len >= 13 && b.n_names < MAX_NAMES) {
      size_t u = 0;
      char *nm = wide_string(r + 9, len - 9, &u);
      if (!nm) {
        sbuf e = {0};
        sb_add(&e, "", 0, 1024);
        nm = e.p;
      }
      if (strncmp(nm, "_xlnm.", 6) == 0)
        memmove(nm, nm + 6, strlen(nm + 6) + 1);
      char **q = realloc(b.names, (b.n_names + 1) * sizeof *q);
      if (!q) {
        free(nm);
        break;
      }
      b.names = q;
      b.names[b.n_names++] = nm;
    } else if (type == RT12_EXTERNSHEET && len >= 4 && !b.xti) {
      size_t k, cx = le32(r);
      if (cx > (len - 4) / 12)
        cx = (len - 4) / 12;
      b.xti = calloc(cx ? cx : 1, sizeof *b.xti);
      for (k = 0; b.xti && k < cx; k++) {
        const uint8_t *x = r + 4 + 12 * k;
        b.xti[k][0] = (uint16_t)le32(x);
        b.xti[k][1] = le32(x + 4) > 0xffff ? 0xffff : (uint16_t)le32(x + 4);
        b.xti[k][2] = le32(x + 8) > 0xffff ? 0xffff : (uint16_t)le32(x + 8);
      }
      if (b.xti)
        b.n_xti = cx;
    }
  }
  if (cut)
    b.damaged = 1;
  const uint8_t **read = calloc(b.n_sheets ? b.n_sheets : 1, sizeof *read);
  if (!read) {
    for (size_t s = 0; s < b.n_sheets; s++)
      free(rel[s]);
    free(rel);
    book_free(&b);
    return ART_ERR_NOMEM;
  }
  out_init(&o);
  for (size_t s = 0; s < b.n_sheets; s++) {
    size_t pn = 0;
    int macro = 0;
    const uint8_t *p = rel[s] ? part(ud, rel[s], &pn, &macro) : NULL;
    b.sheets[s].type = macro ? 1 : 0;
    out_sheet(&o, b.sheets[s].name, b.sheets[s].type, b.sheets[s].state);
    /* sheets may name the same part: each is read once */
    for (size_t k = 0; p && k < s; k++)
      if (read[k] == p)
        p = NULL;
    read[s] = p;
    if (!macro || !p)
      continue;
    /* the macro sheet part: rows (BrtRowHdr), then its cells */
    uint32_t row = 0;
    int scut = 0;
    size_t j = 0;
    while (o.n_formulas < MAX_FORMULAS &&
           biff12_next(p, pn, &j, &type, &r, &len, &scut)) {
      size_t v; /* the cell value's size */
      if (type == RT12_ROWHDR && len >= 4) {
        row = le32(r);
        continue;
      }
      if (type == RT12_FMLANUM)
        v = 8;
      else if (type == RT12_FMLABOOL || type == RT12_FMLAERROR)
        v = 1;
      else if (type == RT12_FMLASTRING)
        v = len >= 12 ? 4 + (size_t)le32(r + 8) * 2 : SIZE_MAX;
      else
        continue;
      /* Cell (column, style), value, grbitFlags, cce, rgce */
      if (v > len || len - v < 8 + 2 + 4 ||
          le32(r + 8 + v + 2) > len - v - 14) {
        b.damaged = 1;
        continue;
      }
      char ref[32];
      size_t cce = le32(r + 8 + v + 2);
      cell_ref(ref, sizeof ref, row & 0xfffff, le32(r) & 0x3fff);
      sbuf f = {0};
      int ok = decompile(&b, r + 8 + v + 6, cce, &f);
      out_formula(&o, b.sheets[s].name, ref, &f, ok);
      free(f.p);
    }
    if (scut)
      b.damaged = 1;
  }
  st = out_finish(&o, &b, 12, 0, sink, sum);
  if (b.damaged) {
    art_dissect_sink_error(sink,
                           "%s: ooxml: xlsb: a BIFF12 record of the workbook "
                           "or a macro sheet is cut or garbled",
                           in->name);
    if (st == ART_OK)
      st = ART_ERR_CORRUPT;
  }
  for (size_t s = 0; s < b.n_sheets; s++)
    free(rel[s]);
  free(rel);
  free(read);
  book_free(&b);
  return st;
}
