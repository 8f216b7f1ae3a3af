#include "page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "date.h"
#include "json.h"
#include "log.h"
#include "markdown.h"
#include "slug.h"

/* ---- small value builders ---- */

void
page_set_str(struct value *m, const char *k, const char *s)
{
	value_map_set(m, k, strlen(k), value_new_cstr(s != NULL ? s : ""));
}

void
page_set_buf(struct value *m, const char *k, const struct buf *b)
{
	value_map_set(m, k, strlen(k), value_new_str(buf_cstr(b), b->len));
}

void
page_set_val(struct value *m, const char *k, struct value *v)
{
	value_map_set(m, k, strlen(k), v);
}

/*
 * Template contexts borrow the big shared trees (site, page contexts)
 * instead of copying them: page_lend() puts one in, value_map_take() takes it
 * back before the context is freed.
 */
void
page_lend(struct value *map, const char *k, struct value *v)
{
	value_map_set(map, k, strlen(k), v);
}

const char *
page_fm_str(const struct doc *d, const char *k)
{
	return value_str(value_map_get(d->fm, k));
}

/* A scalar of front matter as text (numbers too: `nom: 22`); NULL if none. */
static int
scalar_text(const struct value *v, struct buf *out)
{
	buf_reset(out);
	if (v == NULL || v->type == VAL_BOOL || value_text(out, v) == -1)
		return -1;
	/* Trailing blanks written in YAML ('Segur ') are not shown. */
	while (out->len > 0 && (out->data[out->len - 1] == ' ' ||
	    out->data[out->len - 1] == '\t'))
		buf_truncate(out, out->len - 1);
	while (out->len > 0 && out->data[0] == ' ') {
		memmove(out->data, out->data + 1, out->len);
		out->len--;
	}
	return out->len > 0 ? 0 : -1;
}

/* Text of rendered HTML: tags dropped, the renderer's entities decoded. */
static void
html_text(struct buf *out, const char *p, size_t len)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
	    { "&quot;", '"' }, { "&#39;", '\'' } };
	size_t i, k;
	int space = 0, intag = 0;

	buf_reset(out);
	for (i = 0; i < len; i++) {
		if (intag) {
			intag = p[i] != '>';
			continue;
		}
		if (p[i] == '<') {
			intag = 1;
			space = out->len > 0;
			continue;
		}
		if (p[i] == ' ' || p[i] == '\n' || p[i] == '\t' ||
		    p[i] == '\r') {
			space = out->len > 0;
			continue;
		}
		if (space)
			buf_addc(out, ' ');
		space = 0;
		if (p[i] == '&') {
			for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
				size_t n = strlen(ents[k].ent);

				if (len - i >= n && memcmp(p + i, ents[k].ent,
				    n) == 0) {
					buf_addc(out, ents[k].c);
					i += n - 1;
					break;
				}
			}
			if (k < sizeof(ents) / sizeof(ents[0]))
				continue;
		}
		buf_addc(out, p[i]);
	}
}

static int
is_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

static int
is_email(const char *s)
{
	const char *at = strchr(s, '@');

	if (strncmp(s, "mailto:", 7) == 0)
		s += 7, at = strchr(s, '@');
	return at != NULL && at > s && strchr(at + 1, '.') != NULL &&
	    strchr(at + 1, '@') == NULL && strpbrk(s, " <>\"'") == NULL;
}

/* Absolute URL of a site path, for feeds, OpenGraph and JSON-LD. */
void
page_abs_url(const struct site *s, struct buf *out, const char *path)
{
	buf_reset(out);
	if (is_url(path)) {
		buf_adds(out, path);
		return;
	}
	buf_adds(out, s->url);
	while (out->len > 0 && out->data[out->len - 1] == '/')
		buf_truncate(out, out->len - 1);
	buf_adds(out, s->baseurl);
	if (path[0] != '/')
		buf_addc(out, '/');
	buf_adds(out, path);
}

/* The site URL of a tag or category: its pattern with :name filled. */
void
page_term_url(const char *pattern, const char *slug, struct buf *out)
{
	const char *p = strstr(pattern, ":name");

	buf_reset(out);
	if (p == NULL) {
		buf_adds(out, pattern);
		buf_adds(out, slug);
		buf_addc(out, '/');
		return;
	}
	buf_add(out, pattern, (size_t)(p - pattern));
	buf_adds(out, slug);
	buf_adds(out, p + 5);
}

/* The strings of a front matter field that may be a list or one string. */
size_t
page_str_list(const struct value *v, const char **out, size_t max)
{
	size_t i, n = 0;

	if (v == NULL)
		return 0;
	if (v->type == VAL_STR) {
		if (v->u.s.len > 0 && max > 0)
			out[n++] = v->u.s.p;
		return n;
	}
	if (v->type != VAL_SEQ)
		return 0;
	for (i = 0; i < v->u.seq.n && n < max; i++)
		if (value_str(v->u.seq.items[i]) != NULL &&
		    v->u.seq.items[i]->u.s.len > 0)
			out[n++] = v->u.seq.items[i]->u.s.p;
	return n;
}

/* ---- markdown ---- */

struct mdarg {
	const struct site *s;
	const struct doc *d;
};

static void
md_warn(void *arg, unsigned line, unsigned col, const char *msg)
{
	const struct mdarg *a = arg;

	log_at(LOG_LVL_WARN, a->d->path, line, col, "%s", msg);
}

/*
 * {% link _evenements/x.md %} names a file from the site root;
 * {% post_url 2020-01-02-name %} a post by its file name without extension.
 */
static int
md_resolve(void *arg, int kind, const char *ref, size_t len, struct buf *url)
{
	const struct mdarg *a = arg;
	const struct doc *d;
	size_t i, n;

	for (i = 0; i < a->s->ndocs; i++) {
		d = a->s->docs[i];
		if (kind == MKD_LINK) {
			if (strlen(d->relpath) != len ||
			    memcmp(d->relpath, ref, len) != 0)
				continue;
		} else {
			const char *base = strrchr(d->relpath, '/');

			base = base != NULL ? base + 1 : d->relpath;
			n = strlen(base) - strlen(d->ext);
			if (strcmp(d->col->label, "posts") != 0 || n != len ||
			    memcmp(base, ref, len) != 0)
				continue;
		}
		buf_adds(url, a->s->baseurl);
		buf_adds(url, d->url);
		return 0;
	}
	return -1;
}

static int
markdown(const struct site *s, const struct doc *d, const char *text,
    size_t len, unsigned line, const struct value *page, int liquid,
    struct buf *out)
{
	struct mdarg a;
	struct mkd_ctx mc;
	struct ferr e;

	a.s = s;
	a.d = d;
	memset(&mc, 0, sizeof(mc));
	mc.path = d->path;
	mc.site = s->config;
	mc.page = page != NULL ? page : d->fm;
	mc.resolve = md_resolve;
	mc.warn = md_warn;
	mc.arg = &a;
	mc.flags = liquid ? MKD_LIQUID : 0;
	buf_reset(out);
	if (mkd_render(out, text, len, line, &mc, &e) == -1) {
		log_ferr(d->path, &e);
		return -1;
	}
	return 0;
}

int
page_render_body(const struct site *s, const struct doc *d, int liquid,
    struct buf *out)
{
	return markdown(s, d, buf_cstr(&d->body), d->body.len, d->body_line,
	    NULL, liquid, out);
}

/* ---- document contexts ---- */

const struct value *
page_fm_time(const struct doc *d, const char *k)
{
	const struct value *v = value_map_get(d->fm, k);

	return v != NULL && v->type == VAL_TIME ? v : NULL;
}

int
page_is_event(const struct doc *d)
{
	return page_fm_time(d, "event_start_date") != NULL;
}

/* The event's start and end (end = start when none). 0, or -1: no event. */
int
page_event_times(const struct doc *d, struct vtime *start, struct vtime *end)
{
	const struct value *sv = page_fm_time(d, "event_start_date");
	const struct value *ev = page_fm_time(d, "event_end_date");

	if (sv == NULL)
		return -1;
	*start = sv->u.t;
	*end = ev != NULL && ev->u.t.secs >= sv->u.t.secs ? ev->u.t : sv->u.t;
	/* A date-only end lasts until the end of that day. */
	if (ev != NULL && ev->u.t.date_only && ev->u.t.secs >= sv->u.t.secs)
		end->secs += 86399;
	return 0;
}

static struct value *
image_ctx(const struct value *img)
{
	struct value *m;
	const char *src = value_str(value_map_get(img, "image"));

	if (src == NULL || src[0] == '\0')
		return NULL;
	m = value_new(VAL_MAP, 0, 0);
	page_set_str(m, "src", src);
	page_set_str(m, "alt", value_str(value_map_get(img,
	    "alternative-textuelle")));
	if (value_str(value_map_get(img, "legende")) != NULL &&
	    value_str(value_map_get(img, "legende"))[0] != '\0')
		page_set_str(m, "caption", value_str(value_map_get(img, "legende")));
	return m;
}

/* {name, url} for each tag or category, in the order written. */
static struct value *
terms_ctx(const struct site *s, const struct value *v, const char *pattern)
{
	struct value *seq = value_new(VAL_SEQ, 0, 0), *m;
	struct buf slug = BUF_INIT, url = BUF_INIT;
	const char *names[256];
	size_t i, n;

	n = page_str_list(v, names, 256);
	for (i = 0; i < n; i++) {
		buf_reset(&slug);
		if (slug_make(&slug, names[i], strlen(names[i])) != 0)
			continue;
		page_term_url(pattern, slug.data, &url);
		m = value_new(VAL_MAP, 0, 0);
		page_set_str(m, "name", names[i]);
		buf_reset(&slug);
		buf_adds(&slug, s->baseurl);
		buf_addstr(&slug, str_make(url.data, url.len));
		page_set_buf(m, "url", &slug);
		value_seq_push(seq, m);
	}
	buf_release(&slug);
	buf_release(&url);
	return seq;
}

/* "Comment y aller ?": each access type with its lines, blanks dropped. */
static struct value *
acces_ctx(const struct value *acces)
{
	struct value *seq = value_new(VAL_SEQ, 0, 0), *m, *lines, *l;
	struct buf t = BUF_INIT;
	size_t i, j;

	for (i = 0; value_is_seq(acces) && i < acces->u.seq.n; i++) {
		const struct value *a = acces->u.seq.items[i];
		const struct value *lv = value_map_get(a, "lignes");

		if (scalar_text(value_map_get(a, "type"), &t) == -1)
			continue;
		m = value_new(VAL_MAP, 0, 0);
		page_set_buf(m, "type", &t);
		lines = value_new(VAL_SEQ, 0, 0);
		for (j = 0; value_is_seq(lv) && j < lv->u.seq.n; j++) {
			if (scalar_text(value_map_get(lv->u.seq.items[j],
			    "nom"), &t) == -1)
				continue;
			l = value_new(VAL_MAP, 0, 0);
			page_set_buf(l, "nom", &t);
			value_seq_push(lines, l);
		}
		/* The template joins lines with separators: mark the last. */
		if (lines->u.seq.n > 0) {
			page_set_val(lines->u.seq.items[lines->u.seq.n - 1], "last",
			    value_new_bool(1));
			page_set_val(m, "has_lignes", value_new_bool(1));
		}
		page_set_val(m, "lignes", lines);
		value_seq_push(seq, m);
	}
	buf_release(&t);
	return seq;
}

/* "Informations pratiques": a link only when lien is a URL or an e-mail. */
static struct value *
infos_ctx(const struct value *infos)
{
	struct value *seq = value_new(VAL_SEQ, 0, 0), *m;
	struct buf t = BUF_INIT, href = BUF_INIT;
	size_t i;

	for (i = 0; value_is_seq(infos) && i < infos->u.seq.n; i++) {
		const struct value *it = infos->u.seq.items[i];
		int have_label, have_text;

		m = value_new(VAL_MAP, 0, 0);
		have_label = scalar_text(value_map_get(it, "intitule"), &t) == 0;
		if (have_label)
			page_set_buf(m, "intitule", &t);
		have_text = scalar_text(value_map_get(it, "contenu"), &t) == 0;
		if (have_text)
			page_set_buf(m, "contenu", &t);
		if (scalar_text(value_map_get(it, "lien"), &t) == 0) {
			buf_reset(&href);
			if (is_url(t.data)) {
				buf_addstr(&href, str_make(t.data, t.len));
			} else if (is_email(t.data)) {
				if (strncmp(t.data, "mailto:", 7) != 0)
					buf_adds(&href, "mailto:");
				buf_addstr(&href, str_make(t.data, t.len));
			}
			if (href.len > 0) {
				page_set_buf(m, "href", &href);
				page_set_buf(m, "lien", &t);
			}
		}
		if (!have_label && !have_text && value_map_get(m, "href") ==
		    NULL) {
			value_free(m);
			continue;
		}
		value_seq_push(seq, m);
	}
	buf_release(&t);
	buf_release(&href);
	return seq;
}

/*
 * JSON-LD must not close its <script>, nor open "<!--" then "<script",
 * after which the real "</script>" no longer ends it: "<" is "\u003c".
 */
static void
json_str(struct buf *out, const char *s)
{
	struct buf tmp = BUF_INIT;
	size_t i;

	json_escape(&tmp, s, strlen(s));
	buf_addc(out, '"');
	for (i = 0; i < tmp.len; i++) {
		if (tmp.data[i] == '<')
			buf_adds(out, "\\u003c");
		else
			buf_addc(out, tmp.data[i]);
	}
	buf_addc(out, '"');
	buf_release(&tmp);
}

static void
event_jsonld(const struct site *s, const struct doc *d,
    const struct value *page, struct buf *out)
{
	struct vtime st, en;
	struct buf t = BUF_INIT;
	const char *lieu = page_fm_str(d, "lieu"), *adr = page_fm_str(d, "adresse");
	const char *img = value_str(value_path(page, "image.src"));

	page_event_times(d, &st, &en);
	buf_adds(out, "{\"@context\":\"https://schema.org\",\"@type\":\"Event\","
	    "\"name\":");
	json_str(out, d->title);
	buf_adds(out, ",\"startDate\":\"");
	date_rfc3339(out, &st);
	buf_addc(out, '"');
	if (page_fm_time(d, "event_end_date") != NULL) {
		buf_adds(out, ",\"endDate\":\"");
		date_rfc3339(out, &page_fm_time(d, "event_end_date")->u.t);
		buf_addc(out, '"');
	}
	buf_adds(out, ",\"eventStatus\":\"https://schema.org/EventScheduled\"");
	if ((lieu != NULL && lieu[0]) || (adr != NULL && adr[0])) {
		buf_adds(out, ",\"location\":{\"@type\":\"Place\",\"name\":");
		json_str(out, lieu != NULL && lieu[0] ? lieu : adr);
		if (adr != NULL && adr[0]) {
			buf_adds(out, ",\"address\":");
			json_str(out, adr);
		}
		buf_addc(out, '}');
	}
	if (value_str(value_map_get(page, "lede")) != NULL) {
		buf_adds(out, ",\"description\":");
		json_str(out, value_str(value_map_get(page, "lede")));
	}
	if (img != NULL) {
		page_abs_url(s, &t, img);
		buf_adds(out, ",\"image\":");
		json_str(out, t.data);
	}
	page_abs_url(s, &t, d->url);
	buf_adds(out, ",\"url\":");
	json_str(out, t.data);
	buf_addc(out, '}');
	buf_release(&t);
}

/*
 * The "page" context of a document: its front matter (defaults merged)
 * plus what templates need ready-made. Every value stays text: the
 * templates escape it.
 */
struct value *
page_doc_ctx(const struct site *s, const struct doc *d)
{
	struct value *p = value_clone(d->fm), *v, *imgs;
	const struct value *une = value_map_get(d->fm, "une-ou-diaporama");
	const char *lede = page_fm_str(d, "chapeau-text");
	struct buf t = BUF_INIT;
	struct vtime st, en;
	size_t i;

	page_set_str(p, "title", d->title);
	buf_adds(&t, s->baseurl);
	buf_adds(&t, d->url);
	page_set_buf(p, "url", &t);
	page_abs_url(s, &t, d->url);
	page_set_buf(p, "absolute_url", &t);
	page_set_str(p, "collection", d->col->label);
	if (d->has_date) {
		buf_reset(&t);
		date_rfc3339(&t, &d->date);
		page_set_buf(p, "date_iso", &t);
		buf_reset(&t);
		date_fr_day(&t, &d->date);
		page_set_buf(p, "date_fr", &t);
	} else {
		page_set_val(p, "date", value_new(VAL_NULL, 0, 0));
	}
	if (lede != NULL && lede[0] != '\0' && d->lede_html.len > 0) {
		page_set_buf(p, "lede_html", &d->lede_html);
		html_text(&t, d->lede_html.data, d->lede_html.len);
		page_set_buf(p, "lede", &t);
	}
	imgs = value_new(VAL_SEQ, 0, 0);
	for (i = 0; value_is_seq(une) && i < une->u.seq.n; i++)
		if ((v = image_ctx(une->u.seq.items[i])) != NULL)
			value_seq_push(imgs, v);
	if (imgs->u.seq.n > 0)
		page_set_val(p, "image", value_clone(imgs->u.seq.items[0]));
	page_set_val(p, "images", imgs);
	v = terms_ctx(s, value_map_get(d->fm, "tags"), s->tag_pattern);
	page_set_val(p, "has_tags", value_new_bool(v->u.seq.n > 0));
	page_set_val(p, "tags", v);
	v = terms_ctx(s, value_map_get(d->fm, "categories"), s->cat_pattern);
	if (v->u.seq.n > 0)
		page_set_val(p, "category", value_clone(v->u.seq.items[0]));
	page_set_val(p, "categories", v);
	if (page_event_times(d, &st, &en) == 0) {
		const struct value *ev = page_fm_time(d, "event_end_date");

		page_set_val(p, "is_event", value_new_bool(1));
		buf_reset(&t);
		date_fr_when(&t, &st, ev != NULL ? &ev->u.t : NULL);
		page_set_buf(p, "when_fr", &t);
		buf_reset(&t);
		date_rfc3339(&t, &st);
		page_set_buf(p, "start_iso", &t);
		if (ev != NULL) {
			buf_reset(&t);
			date_rfc3339(&t, &ev->u.t);
			page_set_buf(p, "end_iso", &t);
		}
		v = acces_ctx(value_map_get(d->fm, "acces"));
		page_set_val(p, "has_acces", value_new_bool(v->u.seq.n > 0));
		page_set_val(p, "acces_list", v);
		v = infos_ctx(value_map_get(d->fm, "champs_informations"));
		page_set_val(p, "has_infos", value_new_bool(v->u.seq.n > 0));
		page_set_val(p, "infos", v);
		buf_reset(&t);
		buf_adds(&t, s->baseurl);
		buf_add(&t, d->url, strlen(d->url) - (d->url[strlen(d->url) -
		    1] == '/'));
		buf_adds(&t, ".ics");
		page_set_buf(p, "ics_url", &t);
		buf_reset(&t);
		event_jsonld(s, d, p, &t);
		page_set_buf(p, "jsonld", &t);
	}
	buf_release(&t);
	return p;
}

struct linkarg {
	struct mdarg a;
	int used;
};

static int
md_resolve_noted(void *arg, int kind, const char *ref, size_t len,
    struct buf *url)
{
	struct linkarg *la = arg;

	la->used = 1;
	return md_resolve(&la->a, kind, ref, len, url);
}

static void
md_warn_noted(void *arg, unsigned line, unsigned col, const char *msg)
{
	md_warn(&((struct linkarg *)arg)->a, line, col, msg);
}

/* Body (Liquid, then Markdown) and lede of d. Returns 0 or -1 (reported). */
int
page_render_html(const struct site *s, struct doc *d)
{
	struct linkarg la;
	struct mkd_ctx mc;
	struct ferr e;
	const char *lede = value_str(value_map_get(d->fm, "chapeau-text"));

	la.a.s = s;
	la.a.d = d;
	la.used = 0;
	memset(&mc, 0, sizeof(mc));
	mc.path = d->path;
	mc.site = s->config;
	mc.page = d->fm;
	mc.resolve = md_resolve_noted;
	mc.warn = md_warn_noted;
	mc.arg = &la;
	mc.flags = MKD_LIQUID;
	buf_reset(&d->body_html);
	buf_reset(&d->lede_html);
	if (mkd_render(&d->body_html, buf_cstr(&d->body), d->body.len,
	    d->body_line, &mc, &e) == -1) {
		log_ferr(d->path, &e);
		return -1;
	}
	if (la.used)
		d->flags |= CACHE_LINKS;
	else
		d->flags &= ~(uint32_t)CACHE_LINKS;
	mc.flags = 0;
	if (lede != NULL && lede[0] != '\0' &&
	    mkd_render(&d->lede_html, lede, strlen(lede), 0, &mc, &e) == -1) {
		log_ferr(d->path, &e);
		return -1;
	}
	d->html_ready = 1;
	return 0;
}

