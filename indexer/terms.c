#include "terms.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "page.h"
#include "slug.h"
#include "store.h"

/*
 * Slugs of names already met: a site has a few hundred tags over
 * thousands of documents, and each slug costs a Unicode decomposition.
 * Each distinct slug is kept once (names spelled differently can share
 * it) with a group number.
 */
struct slugent {
	const char *name;	/* borrowed from a document */
	size_t group;		/* (size_t)-1: the name gives no slug */
};

static size_t
memo_group(struct terms *m, char *slug)
{
	size_t i, j, ocap;
	uint64_t h;

	if (m->ngroups * 2 >= m->gcap) {
		ocap = m->gcap;
		m->gcap = ocap ? ocap * 2 : 256;
		free(m->gslot);
		m->gslot = xcalloc(m->gcap, sizeof(*m->gslot));
		m->slugs = xreallocarray(m->slugs, m->gcap, sizeof(*m->slugs));
		for (j = 0; j < m->ngroups; j++) {
			h = store_hash(STORE_FNV0, m->slugs[j],
			    strlen(m->slugs[j]));
			for (i = h & (m->gcap - 1); m->gslot[i] != 0;
			    i = (i + 1) & (m->gcap - 1))
				;
			m->gslot[i] = j + 1;
		}
	}
	h = store_hash(STORE_FNV0, slug, strlen(slug));
	for (i = h & (m->gcap - 1); m->gslot[i] != 0;
	    i = (i + 1) & (m->gcap - 1)) {
		if (strcmp(m->slugs[m->gslot[i] - 1], slug) == 0) {
			free(slug);
			return m->gslot[i] - 1;
		}
	}
	m->slugs[m->ngroups] = slug;
	m->gslot[i] = ++m->ngroups;
	return m->ngroups - 1;
}

/* The group of name's slug, or (size_t)-1 when it gives none. */
static size_t
memo_slug(struct terms *m, const char *name)
{
	uint64_t h = store_hash(STORE_FNV0, name, strlen(name));
	struct buf b = BUF_INIT;
	struct slugent *old;
	size_t i, j, ocap;

	if (m->n * 2 >= m->cap) {
		old = m->v;
		ocap = m->cap;
		m->cap = m->cap ? m->cap * 2 : 256;
		m->v = xcalloc(m->cap, sizeof(*m->v));
		m->n = 0;
		for (j = 0; j < ocap; j++) {
			const char *nm = old[j].name;

			if (nm == NULL)
				continue;
			i = store_hash(STORE_FNV0, nm, strlen(nm)) &
			    (m->cap - 1);
			while (m->v[i].name != NULL)
				i = (i + 1) & (m->cap - 1);
			m->v[i] = old[j];
			m->n++;
		}
		free(old);
	}
	for (i = h & (m->cap - 1); m->v[i].name != NULL;
	    i = (i + 1) & (m->cap - 1))
		if (strcmp(m->v[i].name, name) == 0)
			return m->v[i].group;
	m->v[i].name = name;
	m->v[i].group = slug_make(&b, name, strlen(name)) == 0 ?
	    memo_group(m, buf_detach(&b, NULL)) : (size_t)-1;
	m->n++;
	buf_release(&b);
	return m->v[i].group;
}

void
terms_free(struct terms *m)
{
	size_t i;

	for (i = 0; i < m->ngroups; i++)
		free(m->slugs[i]);
	free(m->slugs);
	free(m->gslot);
	free(m->v);
}

/* A group and its slug, for putting the groups in slug order. */
struct gslug {
	const char *slug;
	size_t group;
};

static int
cmp_gslug(const void *a, const void *b)
{
	return strcmp(((const struct gslug *)a)->slug,
	    ((const struct gslug *)b)->slug);
}

/*
 * Documents are met newest first and placed by a counting sort on their
 * slug's rank.
 */
struct term *
terms_collect(const struct doc *const *newest, size_t ndocs,
    const char *field, struct terms *memo, size_t *np)
{
	struct term *v = NULL, *out;
	struct gslug *order;
	size_t *grp = NULL, *rank, *at;
	const char *names[256];
	size_t i, j, k, n = 0, cap = 0, m, g;

	for (i = 0; i < ndocs; i++) {
		const struct doc *d = newest[i];
		const struct value *fv = value_map_get(d->fm, field);

		m = page_str_list(fv, names, 256);
		for (j = 0; j < m; j++) {
			g = memo_slug(memo, names[j]);
			if (g == (size_t)-1) {
				log_at(LOG_LVL_WARN, d->path, fv->line, fv->col,
				    "%s '%s' gives no URL; left out", field,
				    names[j]);
				continue;
			}
			/* One document listed once per term. */
			for (k = 0; k < j; k++)
				if (n > k && v[n - 1 - k].doc == d &&
				    grp[n - 1 - k] == g)
					break;
			if (k < j)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				v = xreallocarray(v, cap, sizeof(*v));
				grp = xreallocarray(grp, cap, sizeof(*grp));
			}
			v[n].name = names[j];
			v[n].doc = d;
			grp[n] = g;
			n++;
		}
	}
	/* Groups in slug order, then each pair at its group's next place. */
	order = xreallocarray(NULL, memo->ngroups + 1, sizeof(*order));
	rank = xreallocarray(NULL, memo->ngroups + 1, sizeof(*rank));
	at = xcalloc(memo->ngroups + 1, sizeof(*at));
	for (g = 0; g < memo->ngroups; g++) {
		order[g].slug = memo->slugs[g];
		order[g].group = g;
	}
	if (memo->ngroups > 1)
		qsort(order, memo->ngroups, sizeof(*order), cmp_gslug);
	for (g = 0; g < memo->ngroups; g++)
		rank[order[g].group] = g;
	for (i = 0; i < n; i++)
		at[rank[grp[i]] + 1]++;
	for (g = 1; g <= memo->ngroups; g++)
		at[g] += at[g - 1];
	out = xreallocarray(NULL, n + 1, sizeof(*out));
	for (i = 0; i < n; i++) {
		k = at[rank[grp[i]]]++;
		out[k] = v[i];
		out[k].slug = memo->slugs[grp[i]];
	}
	free(v);
	free(grp);
	free(order);
	free(rank);
	free(at);
	*np = n;
	return out;
}
