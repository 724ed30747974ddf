/* Evidence catalogue: CASE/UCO 1.4 JSON-LD export. Items are observables
 * with their hashes; custody events are investigative actions with
 * performer, object, location and a provenance record as result.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_private.h"

static const char *js(json_t *o, const char *k)
{
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* A stable IRI for something that has a name but no id of its own. */
static void named_iri(const char *kind, const char *name, char *out, size_t len)
{
  uint8_t h[ART__CAT_HASH_LEN];
  char hex[33];
  art__cat_sha256(name, strlen(name), h);
  art__cat_hex(h, 16, hex);
  snprintf(out, len, "kb:%s-%.8s-%.4s-%.4s-%.4s-%.12s", kind, hex, hex + 8,
           hex + 12, hex + 16, hex + 20);
}

static json_t *ref(const char *iri)
{
  return json_pack("{s:s}", "@id", iri);
}

static json_t *typed(const char *type, const char *value)
{
  return json_pack("{s:s, s:s}", "@type", type, "@value", value);
}

static const char *hash_method(const char *alg)
{
  if (strcmp(alg, "md5") == 0)
    return "MD5";
  if (strcmp(alg, "sha1") == 0)
    return "SHA1";
  if (strcmp(alg, "sha256") == 0)
    return "SHA256";
  if (strcmp(alg, "sha512") == 0)
    return "SHA512";
  return alg;
}

/* The graph is written node by node as it is made: the events are never
 * all in memory. */
typedef struct case_run {
  art__buf *out;
  size_t nodes;
  int failed;
  json_t *seen;        /* IRIs of persons and locations written */
  json_t *inv_objects; /* case number -> refs of what belongs to it */
  json_t *last;        /* item key -> {item, record, action, root} */
} case_run;

static void emit(case_run *r, json_t *node)
{
  char *s = node ? json_dumps(node, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(node);
  if (!s) {
    r->failed = 1;
    return;
  }
  art__buf_str(r->out, r->nodes++ ? ",\n    " : "\n    ");
  art__buf_str(r->out, s);
  free(s);
}

static void add_person(case_run *r, const char *name, char *iri, size_t len)
{
  named_iri("person", name, iri, len);
  if (json_object_get(r->seen, iri))
    return;
  json_object_set_new(r->seen, iri, json_true());
  emit(r, json_pack("{s:s, s:s, s:s}", "@id", iri, "@type",
                    "uco-identity:Person", "uco-core:name", name));
}

static void add_location(case_run *r, const char *name, char *iri, size_t len)
{
  named_iri("location", name, iri, len);
  if (json_object_get(r->seen, iri))
    return;
  json_object_set_new(r->seen, iri, json_true());
  emit(r, json_pack("{s:s, s:s, s:s}", "@id", iri, "@type",
                    "uco-location:Location", "uco-core:name", name));
}

static json_t *observable(json_t *it, const char *iri)
{
  int is_file = *js(it, "file_name") ||
                json_array_size(json_object_get(it, "hashes")) > 0;
  json_t *o =
      json_pack("{s:s, s:s}", "@id", iri, "@type",
                is_file ? "uco-observable:File" : "uco-observable:Device");
  if (*js(it, "description"))
    json_object_set_new(o, "uco-core:description",
                        json_string(js(it, "description")));
  json_t *facets = json_array();
  const char *uuid = js(it, "uuid");
  char fiol[128];
  long long size =
      *js(it, "size_bytes") ? strtoll(js(it, "size_bytes"), NULL, 10) : -1;
  if (is_file) {
    snprintf(fiol, sizeof fiol, "kb:file-facet-%s", uuid);
    json_t *ff = json_pack("{s:s, s:s}", "@id", fiol, "@type",
                           "uco-observable:FileFacet");
    if (*js(it, "file_name"))
      json_object_set_new(ff, "uco-observable:fileName",
                          json_string(js(it, "file_name")));
    if (size >= 0)
      json_object_set_new(ff, "uco-observable:sizeInBytes", json_integer(size));
    json_array_append_new(facets, ff);
    snprintf(fiol, sizeof fiol, "kb:content-data-facet-%s", uuid);
    json_t *cd = json_pack("{s:s, s:s}", "@id", fiol, "@type",
                           "uco-observable:ContentDataFacet");
    if (size >= 0)
      json_object_set_new(cd, "uco-observable:sizeInBytes", json_integer(size));
    if (*js(it, "mime_type"))
      json_object_set_new(cd, "uco-observable:mimeType",
                          json_string(js(it, "mime_type")));
    json_t *hashes = json_array();
    size_t i;
    json_t *h;
    /* The hashes registered for the item (computed, imported, declared);
     * re-verifications are actions, not properties of the content. */
    json_array_foreach(json_object_get(it, "hashes"), i, h)
    {
      if (strcmp(js(h, "origin"), "verify") == 0)
        continue;
      char hid[160];
      snprintf(hid, sizeof hid, "kb:hash-%s-%s-%s", uuid, js(h, "algorithm"),
               js(h, "origin"));
      json_array_append_new(
          hashes,
          json_pack("{s:s, s:s, s:s, s:o}", "@id", hid, "@type",
                    "uco-types:Hash", "uco-types:hashMethod",
                    hash_method(js(h, "algorithm")), "uco-types:hashValue",
                    typed("xsd:hexBinary", js(h, "value"))));
    }
    if (json_array_size(hashes))
      json_object_set_new(cd, "uco-observable:hash", hashes);
    else
      json_decref(hashes);
    json_array_append_new(facets, cd);
  } else if (*js(it, "model") || *js(it, "serial_number")) {
    snprintf(fiol, sizeof fiol, "kb:device-facet-%s", uuid);
    json_t *df = json_pack("{s:s, s:s}", "@id", fiol, "@type",
                           "uco-observable:DeviceFacet");
    if (*js(it, "model"))
      json_object_set_new(df, "uco-observable:model",
                          json_string(js(it, "model")));
    if (*js(it, "serial_number"))
      json_object_set_new(df, "uco-observable:serialNumber",
                          json_string(js(it, "serial_number")));
    json_array_append_new(facets, df);
  }
  if (json_array_size(facets))
    json_object_set_new(o, "uco-core:hasFacet", facets);
  else
    json_decref(facets);
  return o;
}

static json_t *provenance(const char *iri,
                          const char *exhibit,
                          const char *root,
                          const char *item_iri,
                          const char *desc)
{
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "@id", iri, "@type",
                   "case-investigation:ProvenanceRecord",
                   "uco-core:description", desc,
                   "case-investigation:exhibitNumber", exhibit,
                   "case-investigation:rootExhibitNumber", root,
                   "uco-core:object", ref(item_iri));
}

/* Custody events: investigative actions. Each one acts on the item and its
 * previous provenance record and results in a new record. */
static int case_event(void *ud, json_t *e)
{
  case_run *r = ud;
  char key[600];
  snprintf(key, sizeof key, "%s\x1f%s", js(e, "case"), js(e, "item"));
  json_t *st = json_object_get(r->last, key);
  if (!*js(e, "item") || !st)
    return 0;
  long long seq = (long long)json_integer_value(json_object_get(e, "seq"));
  char act[128], rec[128], person[128], other[128], place[128], exhibit[700],
      desc[1024];
  snprintf(act, sizeof act, "kb:action-%s", js(e, "uuid"));
  snprintf(rec, sizeof rec, "kb:provenance-record-%s", js(e, "uuid"));
  const char *type = js(e, "type");
  const char *performer = js(e, "actor");
  if (strcmp(type, "transfer") == 0 && *js(e, "to"))
    performer = js(e, "to");
  add_person(r, performer, person, sizeof person);
  json_t *a = json_pack("{s:s, s:s, s:s, s:o, s:o}", "@id", act, "@type",
                        "case-investigation:InvestigativeAction",
                        "uco-core:name", type, "uco-action:startTime",
                        typed("xsd:dateTime", *js(e, "occurred_at")
                                                  ? js(e, "occurred_at")
                                                  : js(e, "recorded_at")),
                        "uco-action:performer", ref(person));
  if (!a)
    return -1;
  snprintf(desc, sizeof desc, "%s of item %s (case %s), event %lld", type,
           js(e, "item"), js(e, "case"), seq);
  art__buf d = {0};
  art__buf_str(&d, desc);
  if (*js(e, "from"))
    art__buf_printf(&d, "; released by %s", js(e, "from"));
  if (*js(e, "to"))
    art__buf_printf(&d, "; received by %s", js(e, "to"));
  if (*js(e, "purpose"))
    art__buf_printf(&d, "; purpose: %s", js(e, "purpose"));
  if (*js(e, "payload"))
    art__buf_printf(&d, "; details: %s", js(e, "payload"));
  json_object_set_new(a, "uco-core:description",
                      json_string(d.data ? d.data : desc));
  art__buf_free(&d);
  if (*js(e, "from") && strcmp(js(e, "from"), performer) != 0) {
    add_person(r, js(e, "from"), other, sizeof other);
    json_object_set_new(a, "uco-action:participant", ref(other));
  }
  if (*js(e, "location")) {
    add_location(r, js(e, "location"), place, sizeof place);
    json_object_set_new(a, "uco-action:location", ref(place));
  }
  json_t *objs = json_array();
  json_array_append_new(objs, ref(js(st, "item")));
  if (*js(st, "record"))
    json_array_append_new(objs, ref(js(st, "record")));
  json_object_set_new(a, "uco-action:object", objs);
  json_object_set_new(a, "uco-action:result", ref(rec));
  if (*js(st, "action"))
    json_object_set_new(a, "case-investigation:wasInformedBy",
                        ref(js(st, "action")));
  emit(r, a);
  if (strcmp(type, "register") == 0)
    snprintf(exhibit, sizeof exhibit, "%s-%s", js(e, "case"), js(e, "item"));
  else
    snprintf(exhibit, sizeof exhibit, "%s-%s/%lld", js(e, "case"),
             js(e, "item"), seq);
  snprintf(desc, sizeof desc, "Item %s after %s (event %lld)", js(e, "item"),
           type, seq);
  emit(r, provenance(rec, exhibit, js(st, "root"), js(st, "item"), desc));
  json_t *inv = json_object_get(r->inv_objects, js(e, "case"));
  json_array_append_new(inv, ref(act));
  json_array_append_new(inv, ref(rec));
  json_object_set_new(st, "record", json_string(rec));
  json_object_set_new(st, "action", json_string(act));
  return r->failed || r->out->failed ? -1 : 0;
}

art_status art__cat_export_case(art_ctx *ctx,
                                art_catalog *cat,
                                art__buf *out,
                                const char *cp)
{
  char kb[128];
  snprintf(kb, sizeof kb, "urn:art-catalog:%s:", cat->uuid);
  json_t *context = json_pack(
      "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kb", kb,
      "case-investigation",
      "https://ontology.caseontology.org/case/investigation/", "uco-action",
      "https://ontology.unifiedcyberontology.org/uco/action/", "uco-core",
      "https://ontology.unifiedcyberontology.org/uco/core/", "uco-identity",
      "https://ontology.unifiedcyberontology.org/uco/identity/", "uco-location",
      "https://ontology.unifiedcyberontology.org/uco/location/",
      "uco-observable",
      "https://ontology.unifiedcyberontology.org/uco/observable/", "uco-tool",
      "https://ontology.unifiedcyberontology.org/uco/tool/", "uco-types",
      "https://ontology.unifiedcyberontology.org/uco/types/", "xsd",
      "http://www.w3.org/2001/XMLSchema#");
  json_t *all = art__cat_collect(ctx, cat);
  case_run r = {out, 0, 0, json_object(), json_object(), json_object()};
  json_t *roots = json_object(); /* item key -> root exhibit number */
  art_status st = ART_OK;
  char *ctext = context
                    ? json_dumps(context, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
                    : NULL;
  if (!all || !ctext || !r.seen || !r.inv_objects || !r.last || !roots) {
    st = art_ctx_status(ctx) != ART_OK ? art_ctx_status(ctx)
                                       : art__set_errno(ctx, ENOMEM, "export");
    goto out;
  }
  art__buf_str(out, "{\n  \"@context\": ");
  art__buf_str(out, ctext);
  art__buf_str(out, ",\n  \"@graph\": [");
  size_t i;
  json_t *c, *it;
  json_array_foreach(json_object_get(all, "cases"), i, c)
      json_object_set_new(r.inv_objects, js(c, "number"), json_array());

  /* Items: observables, each entered into custody by a provenance record
   * with its exhibit number (case-item; the root follows parent items). */
  json_array_foreach(json_object_get(all, "items"), i, it)
  {
    char iri[128], key[600], exhibit[600];
    snprintf(iri, sizeof iri, "kb:item-%s", js(it, "uuid"));
    snprintf(key, sizeof key, "%s\x1f%s", js(it, "case"),
             js(it, "item_number"));
    snprintf(exhibit, sizeof exhibit, "%s-%s", js(it, "case"),
             js(it, "item_number"));
    const char *root = exhibit;
    if (*js(it, "parent_item")) {
      char pkey[600];
      snprintf(pkey, sizeof pkey, "%s\x1f%s", js(it, "case"),
               js(it, "parent_item"));
      const char *pr = json_string_value(json_object_get(roots, pkey));
      if (pr)
        root = pr;
    }
    json_object_set_new(roots, key, json_string(root));
    emit(&r, observable(it, iri));
    json_object_set_new(r.last, key,
                        json_pack("{s:s, s:s, s:s, s:s}", "item", iri, "record",
                                  "", "action", "", "root", root));
    json_array_append_new(json_object_get(r.inv_objects, js(it, "case")),
                          ref(iri));
  }
  /* Signing keys: who each belongs to, with its fingerprint, as an
   * annotation on the person. */
  json_t *k;
  json_array_foreach(json_object_get(all, "keys"), i, k)
  {
    char person[128], iri[128], stmt[1024], rev[48] = "";
    add_person(&r, js(k, "owner"), person, sizeof person);
    if (json_object_get(k, "revoked_seq"))
      snprintf(
          rev, sizeof rev, ", revoked at event %lld",
          (long long)json_integer_value(json_object_get(k, "revoked_seq")));
    snprintf(
        stmt, sizeof stmt,
        "Ed25519 %s key %s of %s, SHA-256 fingerprint %s, registered at "
        "event %lld%s, authorised by %s",
        js(k, "role"), js(k, "key_id"), js(k, "owner"),
        js(k, "fingerprint_sha256"),
        (long long)json_integer_value(json_object_get(k, "registered_seq")),
        rev, js(k, "authorised_by"));
    snprintf(iri, sizeof iri, "kb:annotation-key-%s", js(k, "key_id"));
    json_t *objs = json_array();
    json_array_append_new(objs, ref(person));
    emit(&r, json_pack("{s:s, s:s, s:s, s:o}", "@id", iri, "@type",
                       "uco-core:Annotation", "uco-core:statement", stmt,
                       "uco-core:object", objs));
  }
  if ((st = art__cat_each_event(ctx, cat, "ORDER BY seq", 0, case_event, &r)) !=
      ART_OK)
    goto out;

  /* One investigation per case, listing what belongs to it, and the
   * checkpoint as an annotation on them. */
  json_t *invs = json_array();
  json_array_foreach(json_object_get(all, "cases"), i, c)
  {
    char iri[128];
    snprintf(iri, sizeof iri, "kb:investigation-%s", js(c, "uuid"));
    json_t *inv = json_pack("{s:s, s:s, s:s}", "@id", iri, "@type",
                            "case-investigation:Investigation", "uco-core:name",
                            js(c, "number"));
    if (inv && *js(c, "title"))
      json_object_set_new(inv, "case-investigation:focus",
                          json_string(js(c, "title")));
    json_t *objs = json_object_get(r.inv_objects, js(c, "number"));
    if (inv && json_array_size(objs))
      json_object_set(inv, "uco-core:object", objs);
    emit(&r, inv);
    json_array_append_new(invs, ref(iri));
  }
  if (json_array_size(invs)) {
    char iri[128];
    snprintf(iri, sizeof iri, "kb:annotation-checkpoint-%s", cat->uuid);
    emit(&r, json_pack("{s:s, s:s, s:s, s:O}", "@id", iri, "@type",
                       "uco-core:Annotation", "uco-core:statement", cp,
                       "uco-core:object", invs));
  }
  json_decref(invs);
  art__buf_str(out, "\n  ]\n}\n");
  if (r.failed)
    st = art__set_errno(ctx, ENOMEM, "export");
out:
  free(ctext);
  json_decref(context);
  json_decref(all);
  json_decref(r.seen);
  json_decref(r.inv_objects);
  json_decref(r.last);
  json_decref(roots);
  return st;
}
