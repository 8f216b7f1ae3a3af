#include "db.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "store.h"

void
db_init(struct db *db, const char *dir)
{
	memset(db, 0, sizeof(*db));
	db->dir = xstrdup(dir);
	db->last_try_ms = INT64_MIN / 2;
}

void
db_close(struct db *db)
{
	if (db->cur != NULL)
		mdb_cursor_close(db->cur);
	if (db->txn != NULL)
		mdb_txn_abort(db->txn);
	if (db->env != NULL)
		mdb_env_close(db->env);
	db->cur = NULL;
	db->txn = NULL;
	db->env = NULL;
	db->active = 0;
	db->cur_ready = 0;
}

void
db_release(struct db *db)
{
	db_close(db);
	free(db->dir);
	db->dir = NULL;
}

static int
file_id(const char *dir, dev_t *dev, ino_t *ino, off_t *size)
{
	char path[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%s/data.mdb", dir) >=
	    sizeof(path) || stat(path, &st) == -1)
		return -1;
	*dev = st.st_dev;
	*ino = st.st_ino;
	*size = st.st_size;
	return 0;
}

static void
fail(struct db *db, const char *what, int rc)
{
	if (!db->failing && rc == 0)
		log_error("%s: %s (answering 503 until it is usable)",
		    db->dir, what);
	else if (!db->failing)
		log_error("%s: %s: %s (answering 503 until it is usable)",
		    db->dir, what, rc > 0 ? mdb_strerror(rc) : strerror(-rc));
	db->failing = 1;
	db_close(db);
}

static int
open_env(struct db *db)
{
	MDB_txn *txn = NULL;
	MDB_envinfo info;
	MDB_stat ms;
	int rc, dead = 0;
	struct stat st;
	off_t size;

	if (stat(db->dir, &st) == -1) {
		fail(db, "database directory", -errno);
		return -1;
	}
	if ((rc = mdb_env_create(&db->env)) != 0) {
		db->env = NULL;
		fail(db, "mdb_env_create", rc);
		return -1;
	}
	if ((rc = mdb_env_set_maxdbs(db->env, STORE_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_maxreaders(db->env, STORE_MAXREADERS)) != 0) {
		fail(db, "environment setup", rc);
		return -1;
	}
	if ((rc = mdb_env_open(db->env, db->dir,
	    MDB_RDONLY | MDB_NOTLS | MDB_NORDAHEAD, 0)) != 0) {
		fail(db, "open", rc);
		return -1;
	}
	/*
	 * A file cut short (a failed copy, a full disk) maps pages that do
	 * not exist: reading one is SIGBUS, and a child restarted onto it
	 * dies again. LMDB never shrinks data.mdb, so shorter than the last
	 * page of the last commit means damaged. The meta first, the size
	 * second: a commit in between only makes the file longer.
	 */
	mdb_env_info(db->env, &info);
	mdb_env_stat(db->env, &ms);
	db->min_size = (off_t)(info.me_last_pgno + 1) * ms.ms_psize;
	if (file_id(db->dir, &db->dev, &db->ino, &size) == -1) {
		fail(db, "data.mdb", -errno);
		return -1;
	}
	if (size < db->min_size) {
		fail(db, "data.mdb is truncated (shorter than its last page)",
		    0);
		return -1;
	}
	/* Slots left by children that were killed mid-request. */
	mdb_reader_check(db->env, &dead);
	if (dead > 0)
		log_info("%s: cleared %d stale reader slots", db->dir, dead);
	if ((rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn)) == MDB_MAP_RESIZED) {
		mdb_env_set_mapsize(db->env, 0);
		rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn);
	}
	if (rc != 0) {
		fail(db, "read transaction", rc);
		return -1;
	}
	if ((rc = mdb_dbi_open(txn, "pages", 0, &db->pages)) != 0) {
		mdb_txn_abort(txn);
		fail(db, "database \"pages\"", rc);
		return -1;
	}
	db->has_agenda = mdb_dbi_open(txn, "agenda", 0, &db->agenda) == 0;
	db->has_meta = mdb_dbi_open(txn, "meta", 0, &db->meta) == 0;
	/* Handles opened in a read transaction outlive it only if committed. */
	if ((rc = mdb_txn_commit(txn)) != 0) {
		fail(db, "commit", rc);
		return -1;
	}
	if ((rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &db->txn)) != 0) {
		db->txn = NULL;
		fail(db, "read transaction", rc);
		return -1;
	}
	mdb_txn_reset(db->txn);
	if (db->failing)
		log_info("%s: database usable again", db->dir);
	db->failing = 0;
	return 0;
}

int
db_begin(struct db *db, int64_t t)
{
	dev_t dev;
	ino_t ino;
	off_t size;
	int rc;

	/* (a clock set back also triggers the check) */
	if (db->env != NULL && (t - db->last_stat_ms >= 1000 ||
	    t < db->last_stat_ms)) {
		db->last_stat_ms = t;
		if (file_id(db->dir, &dev, &ino, &size) == -1 ||
		    dev != db->dev || ino != db->ino) {
			log_info("%s: database file replaced, reopening",
			    db->dir);
			db_close(db);
		} else if (size < db->min_size) {
			fail(db, "data.mdb was truncated", 0);
			db->last_try_ms = t;
			return DB_UNAVAILABLE;
		}
	}
	if (db->env == NULL) {
		if (db->failing && t - db->last_try_ms < DB_RETRY_MS &&
		    t >= db->last_try_ms)
			return DB_UNAVAILABLE;
		db->last_try_ms = t;
		db->last_stat_ms = t;
		if (open_env(db) == -1)
			return DB_UNAVAILABLE;
	}
	rc = mdb_txn_renew(db->txn);
	if (rc == MDB_MAP_RESIZED) {
		/* The writer grew the map: adopt its size and try again. */
		mdb_txn_abort(db->txn);
		db->txn = NULL;
		if (db->cur != NULL) {
			mdb_cursor_close(db->cur);
			db->cur = NULL;
		}
		if ((rc = mdb_env_set_mapsize(db->env, 0)) == 0)
			rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &db->txn);
		if (rc != 0)
			db->txn = NULL;
	}
	if (rc != 0) {
		fail(db, "read transaction", rc);
		return DB_UNAVAILABLE;
	}
	db->active = 1;
	db->cur_ready = 0;
	return 0;
}

void
db_end(struct db *db)
{
	if (db->active && db->txn != NULL)
		mdb_txn_reset(db->txn);
	db->active = 0;
	db->cur_ready = 0;
}

int
db_get(struct db *db, MDB_dbi dbi, const void *key, size_t klen,
    struct str *val)
{
	MDB_val k, v;
	int rc;

	if (klen == 0 || klen > STORE_MAX_KEY)
		return DB_NOTFOUND;
	if (dbi == db->meta && !db->has_meta)
		return DB_NOTFOUND;
	k.mv_size = klen;
	k.mv_data = (void *)key;
	rc = mdb_get(db->txn, dbi, &k, &v);
	if (rc == MDB_NOTFOUND)
		return DB_NOTFOUND;
	if (rc != 0) {
		log_error("%s: lookup: %s", db->dir, mdb_strerror(rc));
		return -1;
	}
	val->p = v.mv_data;
	val->len = v.mv_size;
	return 0;
}

MDB_cursor *
db_agenda_cursor(struct db *db)
{
	int rc;

	if (!db->has_agenda || !db->active)
		return NULL;
	if (db->cur_ready)
		return db->cur;
	if (db->cur == NULL)
		rc = mdb_cursor_open(db->txn, db->agenda, &db->cur);
	else
		rc = mdb_cursor_renew(db->txn, db->cur);
	if (rc != 0) {
		log_error("%s: agenda cursor: %s", db->dir, mdb_strerror(rc));
		if (db->cur != NULL)
			mdb_cursor_close(db->cur);
		db->cur = NULL;
		return NULL;
	}
	db->cur_ready = 1;
	return db->cur;
}
