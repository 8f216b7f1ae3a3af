/*
 * db: the worker's read-only view of the published LMDB environment.
 *
 * One struct db per process, opened after fork (LMDB handles must not cross
 * a fork). Each request brackets its reads with db_begin() / db_end(): the
 * read transaction is renewed at the start of a request, so it sees the
 * latest commit, and reset at the end, so no snapshot is held while idle.
 * Values returned by db_get() point into the memory map and stay valid only
 * until db_end().
 *
 * A directory that does not exist yet, an empty one or a corrupt file makes
 * db_begin() return DB_UNAVAILABLE (logged once per failure, retried at most
 * every DB_RETRY_MS), never a crash. When data.mdb is replaced by another
 * file (an atomic swap of a copied database), the environment is reopened,
 * checked at most once a second.
 */
#ifndef FOLIO_DB_H
#define FOLIO_DB_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define DB_UNAVAILABLE 1	/* db_begin: no usable database right now */
#define DB_NOTFOUND 2		/* db_get: no such key */
#define DB_RETRY_MS 200

struct db {
	char *dir;		/* owned */
	MDB_env *env;		/* NULL while closed */
	MDB_txn *txn;		/* the one read transaction, reset when idle */
	MDB_cursor *cur;	/* on "agenda", renewed with the txn */
	MDB_dbi pages, agenda, meta;
	int has_agenda, has_meta;
	int active;		/* txn renewed for the current request */
	int cur_ready;		/* cur renewed for the current txn */
	int failing;		/* last open failed (logged once) */
	dev_t dev;
	ino_t ino;
	off_t min_size;		/* data.mdb holds the last page at least */
	int64_t last_try_ms;	/* monotonic time of the last open attempt */
	int64_t last_stat_ms;	/* of the last check for a replaced file */
};

/* Prepares db for dir (copied); opens nothing yet. */
void db_init(struct db *db, const char *dir);

/*
 * Opens the environment if needed and renews the read transaction; now_ms
 * is the time of the request in milliseconds (paces the retries and the
 * check for a replaced file). Returns 0, or DB_UNAVAILABLE (then db_end()
 * is not needed).
 */
int db_begin(struct db *db, int64_t now_ms);

/* Resets the read transaction; pointers from db_get() become invalid. */
void db_end(struct db *db);

/*
 * Looks key up in dbi (db->pages, db->meta). Returns 0 with val pointing
 * into the map, DB_NOTFOUND, or -1 on a database error (logged).
 */
int db_get(struct db *db, MDB_dbi dbi, const void *key, size_t klen,
    struct str *val);

/* The agenda cursor, ready for this transaction, or NULL (no agenda DB). */
MDB_cursor *db_agenda_cursor(struct db *db);

/* Closes everything; db can be reused with db_begin() or freed. */
void db_close(struct db *db);
void db_release(struct db *db);

#endif
