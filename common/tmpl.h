/*
 * tmpl: Mustache templates, compiled once and rendered many times.
 *
 * The language is Mustache as its specification describes it
 * (interpolation, sections, inverted sections, comments, partials,
 * delimiter changes) plus template inheritance: {{<layout}} ... {{/layout}}
 * renders the template "layout" with the {{$block}} ... {{/block}}
 * arguments given inside the tag replacing the layout's blocks of the same
 * name. Lambdas are not supported (the data has no functions), nor are
 * dynamic names ({{>*name}}): what a template includes must be known from
 * its source, for tmpl_set_check(), tmpl_hash() and tmpl_uses().
 *
 * Data is a value tree (value.h). Rules:
 *  - A name is looked up in the context stack from the innermost context
 *    out; a dotted name "a.b.c" resolves "a" in the innermost map that has
 *    the key "a" (even when its value is null) and then follows "b" and "c"
 *    from there only. "." is the current context.
 *  - {{x}} is HTML-escaped (esc_html); {{{x}}} and {{&x}} are not.
 *    Strings print as they are, ints in decimal, floats in the shortest
 *    form that reads back to the same double ("1.21"), booleans as
 *    "true"/"false", times in ISO 8601 with their own offset
 *    ("2024-03-05T09:30:00+01:00", or "2024-03-05" for a date), null, maps
 *    and sequences as nothing.
 *  - A section {{#x}} is skipped when x is missing, null, false, the empty
 *    string "" or an empty sequence (value_truthy()); an empty string is
 *    false so that {{#field}} tests an optional front matter field that is
 *    often written as an empty value. A non-empty sequence renders the
 *    section once per item with the item pushed; any other true value
 *    renders it once with the value pushed. {{^x}} renders when x is false.
 *  - A partial or parent that is not in the set renders as nothing, as the
 *    specification asks; tmpl_set_check() is what refuses a set with a
 *    missing partial or parent, and is to be called before rendering.
 *
 * Errors: functions return 0, or -1 with e filled in (line and column of
 * the offending tag, 1-based) and *epath (when epath is not NULL) pointing
 * at the path of the template concerned. That string is owned by the set
 * and stays valid until the set is next changed or freed.
 */
#ifndef FOLIO_TMPL_H
#define FOLIO_TMPL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "log.h"
#include "value.h"

struct tmpl_set;

/* Templates nest (partials, parents, sections) at most this deep when
 * rendered; deeper is an error, which stops runaway recursive partials. */
#define TMPL_MAX_DEPTH 200

/* One render writes at most about this much; more is an error (a set of
 * templates that include each other twice over can double the output at
 * each level). */
#define TMPL_MAX_OUTPUT (256u << 20)

/* Files larger than this are refused by tmpl_set_load_dir(). */
#define TMPL_MAX_FILE (4u << 20)

/* An empty set. Free it with tmpl_set_free(). */
struct tmpl_set *tmpl_set_new(void);
void tmpl_set_free(struct tmpl_set *set);

/* Sets the output limit of one render (TMPL_MAX_OUTPUT by default). */
void tmpl_set_max_output(struct tmpl_set *set, size_t max);

/*
 * Compiles src (len bytes, need not be NUL-terminated) as the template
 * "name", replacing any template of that name. The set copies name, src
 * and path (path is only used in messages; NULL means name). On a syntax
 * error returns -1 with e set and leaves the set as it was.
 */
int tmpl_set_add(struct tmpl_set *set, const char *name, const char *src,
    size_t len, const char *path, struct ferr *e);

/*
 * Adds every "*.mustache" file of dir (not recursive), in name order; the
 * template name is the file name without ".mustache". Same-named
 * templates already in the set are replaced, so loading the default
 * directory first and the site's own next lets the site override any
 * file. On error returns -1 with e and *epath set (a file that cannot be
 * read gets line 0); templates added before the error stay in the set.
 */
int tmpl_set_load_dir(struct tmpl_set *set, const char *dir, struct ferr *e,
    const char **epath);

/*
 * Checks that every partial and parent named by any template of the set
 * exists. Returns -1 at the first missing one, with e at the tag and
 * *epath the path of the template that names it.
 */
int tmpl_set_check(struct tmpl_set *set, struct ferr *e, const char **epath);

/* 1 when the set has a template of that name, 0 otherwise. */
int tmpl_has(const struct tmpl_set *set, const char *name);

/*
 * Renders template "name" with ctx (may be NULL) as the bottom of the
 * context stack, appending to out. Nothing is allocated but out's growth,
 * and nothing is parsed; the set may be shared by concurrent renders as it
 * is not modified. Returns -1 when there is no such template (e->line 0),
 * when nesting passes TMPL_MAX_DEPTH or the output its limit (e at
 * the tag, *epath its template); out then holds a partial result that the
 * caller discards.
 */
int tmpl_render(const struct tmpl_set *set, const char *name,
    const struct value *ctx, struct buf *out, struct ferr *e,
    const char **epath);

/*
 * A stable 64-bit hash of template "name" and of every template it uses,
 * directly or not (their names and sources; a missing one counts by its
 * name), for deciding what to rebuild. Identical sets give identical
 * hashes on every machine. 0 when there is no such template.
 */
uint64_t tmpl_hash(const struct tmpl_set *set, const char *name);

/*
 * A stable 64-bit hash of the whole set: every template's name and source,
 * whatever the order they were added in.
 */
uint64_t tmpl_set_hash(const struct tmpl_set *set);

/*
 * Calls fn once for each template that "name" uses, directly or through
 * others (partials and parents; never "name" itself), in the order they
 * are first met; found tells whether the set has it. The
 * name passed is valid for the call only. Stops and returns fn's value
 * when fn returns non-zero; returns -1 when there is no such template,
 * 0 otherwise.
 */
int tmpl_uses(const struct tmpl_set *set, const char *name,
    int (*fn)(const char *used, int found, void *arg), void *arg);

#endif
