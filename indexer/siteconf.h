/*
 * siteconf: _config.yml, read into a struct site (part of site.c's
 * loading of a site).
 */
#ifndef FOLIO_SITECONF_H
#define FOLIO_SITECONF_H

#include "site.h"
#include "value.h"

/*
 * Reads s->dir/_config.yml into s->config (an empty mapping when it is
 * missing or broken: the error is reported and counted in s->nerrors),
 * its hash into s->config_hash and s->cfg (with s->build), and the
 * settings and collections it names, with Jekyll's defaults.
 */
void siteconf_load(struct site *s);
/* Reads the settings and collections out of s->config, with Jekyll's
 * defaults where it says nothing. */
void siteconf_settings(struct site *s);

/* Jekyll's defaults for one document type and path, merged under fm. */
void siteconf_apply_defaults(const struct site *s, const char *type,
    const char *relpath, struct value *fm);

#endif
