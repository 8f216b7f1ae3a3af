/*
 * agenda: the time-dependent pages, assembled at request time from the
 * fragments and frames described in common/store.h, by a cursor walk over
 * the "agenda" DB (no template, no allocation).
 *
 *   /agenda/, /agenda/page/N/            upcoming events, soonest end first
 *   /agenda/passes/, .../passes/page/N/  past events, latest first
 *   /agenda.ics                          every upcoming VEVENT
 */
#ifndef FOLIO_AGENDA_H
#define FOLIO_AGENDA_H

#include <stddef.h>

#include "db.h"
#include "serve.h"

enum agenda_kind {
	AGENDA_UPCOMING = 1,
	AGENDA_PASSES = 2,
	AGENDA_ICS = 3,
	AGENDA_HOME = 4		/* "/": the home page's next events */
};

/*
 * Whether path (len bytes) is one of the agenda routes. Returns 1 with
 * *kind and *page (1-based) set, or 0. "/agenda/page/1/" and page numbers
 * with leading zeros are not routes (one URL per page).
 */
int agenda_route(const char *path, size_t len, int *kind, unsigned *page);

/*
 * Whether the database carries the frames of this kind of page
 * (STORE_META_HOME_HEAD for the home page, STORE_META_AGENDA_HEAD for the
 * others); if not, the path is looked up in "pages" like any other.
 */
int agenda_enabled(struct db *db, int kind);

/*
 * Answers an agenda route. Returns 0 when a response was sent, or
 * DB_NOTFOUND when the page number is past the last page (the caller sends
 * the 404 page), -1 on a database error (nothing sent).
 */
int agenda_serve(struct db *db, FCGX_Stream *out, const struct req *q,
    int kind, unsigned page);

#endif
