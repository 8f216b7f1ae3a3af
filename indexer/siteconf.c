/*
 * siteconf: _config.yml: the site's settings and collections, and the
 * front matter defaults it gives documents (Jekyll's rules).
 */
#include "siteconf.h"

#include <stdlib.h>
#include <string.h>

#include "fm.h"
#include "log.h"
#include "store.h"

static const char *
cfg_str(const struct value *cfg, const char *key, const char *dflt)
{
	const char *v = value_str(value_path(cfg, key));

	return v != NULL ? v : dflt;
}

static int
cfg_bool(const struct value *cfg, const char *key, int dflt)
{
	const struct value *v = value_path(cfg, key);

	if (v == NULL || v->type == VAL_NULL)
		return dflt;
	return value_truthy(v);
}

void
siteconf_settings(struct site *s)
{
	const struct value *cols, *v;
	size_t i;

	s->title = cfg_str(s->config, "title", "");
	s->url = cfg_str(s->config, "url", "");
	s->baseurl = cfg_str(s->config, "baseurl", "");
	s->lang = cfg_str(s->config, "language", "fr");
	s->tz = cfg_str(s->config, "timezone", "Europe/Paris");
	s->description = cfg_str(s->config, "description", "");
	s->future = cfg_bool(s->config, "future", 0);
	s->tag_pattern = cfg_str(s->config, "archives.tag", "/tag/:name/");
	s->cat_pattern = cfg_str(s->config, "archives.category",
	    "/categorie/:name/");
	v = value_path(s->config, "pagination.per_page");
	if (v == NULL)
		v = value_path(s->config, "paginate");
	s->per_page = v != NULL && v->type == VAL_INT && v->u.i > 0 &&
	    v->u.i <= 1000 ? (size_t)v->u.i : 10;

	/* posts always exist in Jekyll; then the configured collections. */
	cols = value_map_get(s->config, "collections");
	s->cols = xcalloc(1 + (cols && cols->type == VAL_MAP ? cols->u.map.n :
	    0), sizeof(*s->cols));
	s->cols[0].label = xstrdup("posts");
	s->cols[0].output = 1;
	s->ncols = 1;
	if (cols != NULL && cols->type == VAL_MAP) {
		for (i = 0; i < cols->u.map.n; i++) {
			const struct value_pair *pr = &cols->u.map.items[i];
			struct collection *c;

			if (strcmp(pr->key, "posts") == 0) {
				c = &s->cols[0];
			} else {
				c = &s->cols[s->ncols++];
				c->label = xstrdup(pr->key);
			}
			c->meta = pr->val;
			c->output = cfg_bool(pr->val, "output",
			    c == &s->cols[0]);
			if (value_str(value_map_get(pr->val, "permalink")))
				c->permalink = xstrdup(value_str(
				    value_map_get(pr->val, "permalink")));
		}
	} else if (cols != NULL && cols->type == VAL_SEQ) {
		for (i = 0; i < cols->u.seq.n; i++) {
			const char *l = value_str(cols->u.seq.items[i]);

			if (l == NULL || strcmp(l, "posts") == 0)
				continue;
			s->cols = xreallocarray(s->cols, s->ncols + 1,
			    sizeof(*s->cols));
			memset(&s->cols[s->ncols], 0, sizeof(*s->cols));
			s->cols[s->ncols].label = xstrdup(l);
			s->cols[s->ncols++].output = 0;
		}
	}
}

void
siteconf_load(struct site *s)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct ferr e;
	char err[256];

	buf_printf(&path, "%s/_config.yml", s->dir);
	if (buf_read_file(&text, path.data, FM_MAX_FILE, err,
	    sizeof(err)) == -1) {
		log_at(LOG_LVL_ERROR, path.data, 0, 0, "%s", err);
		s->nerrors++;
	} else if (fm_parse_yaml(text.data, text.len, 1, &s->config,
	    &e) == -1) {
		log_ferr(path.data, &e);
		s->nerrors++;
		s->config = NULL;
	} else if (s->config->type == VAL_NULL) {
		value_free(s->config);
		s->config = NULL;
	} else if (s->config->type != VAL_MAP) {
		log_at(LOG_LVL_ERROR, path.data, s->config->line,
		    s->config->col, "the configuration must be a mapping");
		s->nerrors++;
		value_free(s->config);
		s->config = NULL;
	}
	s->config_hash = store_hash(STORE_FNV0, text.data, text.len);
	/* Another build of folio may render differently: its cache is not
	 * this one's. */
	s->cfg = store_hash(s->config_hash, &s->build, sizeof(s->build));
	if (s->config == NULL)
		s->config = value_new(VAL_MAP, 0, 0);
	buf_release(&path);
	buf_release(&text);
	siteconf_settings(s);
}

/* Does a defaults scope path match relpath? ('' matches all; '*' globs.) */
static int
scope_path_matches(const char *scope, const char *relpath)
{
	size_t n;

	while (*scope == '/')
		scope++;
	if (*scope == '\0')
		return 1;
	if (strchr(scope, '*') != NULL) {
		/* Jekyll globs against the site; a prefix glob is enough here. */
		n = (size_t)(strchr(scope, '*') - scope);
		return strncmp(scope, relpath, n) == 0;
	}
	n = strlen(scope);
	while (n > 0 && scope[n - 1] == '/')
		n--;
	return strncmp(scope, relpath, n) == 0 &&
	    (relpath[n] == '\0' || relpath[n] == '/');
}

void
siteconf_apply_defaults(const struct site *s, const char *type,
    const char *relpath, struct value *fm)
{
	const struct value *defs = value_map_get(s->config, "defaults");
	const struct value **match;
	size_t *rank, i, j, n = 0;

	if (defs == NULL || defs->type != VAL_SEQ)
		return;
	match = xreallocarray(NULL, defs->u.seq.n + 1, sizeof(*match));
	rank = xreallocarray(NULL, defs->u.seq.n + 1, sizeof(*rank));
	for (i = 0; i < defs->u.seq.n; i++) {
		const struct value *d = defs->u.seq.items[i];
		const struct value *scope = value_map_get(d, "scope");
		const char *spath = value_str(value_map_get(scope, "path"));
		const char *stype = value_str(value_map_get(scope, "type"));
		const struct value *vals = value_map_get(d, "values");

		if (!value_is_map(vals))
			continue;
		if (spath != NULL && !scope_path_matches(spath, relpath))
			continue;
		if (stype != NULL && strcmp(stype, type) != 0)
			continue;
		/* Jekyll: a longer path, then a type, make a scope stronger;
		 * among equals the later one wins. */
		match[n] = vals;
		rank[n] = (spath ? strlen(spath) : 0) * 4 + (stype ? 2 : 0);
		n++;
	}
	/* Strongest first: its values are merged before weaker ones. */
	for (i = 1; i < n; i++) {
		for (j = i; j > 0 && rank[j - 1] <= rank[j]; j--) {
			const struct value *tv = match[j];
			size_t tr = rank[j];

			match[j] = match[j - 1];
			rank[j] = rank[j - 1];
			match[j - 1] = tv;
			rank[j - 1] = tr;
		}
	}
	for (i = 0; i < n; i++)
		value_merge_under(fm, match[i]);
	free(match);
	free(rank);
}
