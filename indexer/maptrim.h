/*
 * maptrim: keeps this process's view of an LMDB map written through
 * (MDB_WRITEMAP) small, so that resident memory does not grow with the
 * database a publish writes. See maptrim.c for why it is safe.
 */
#ifndef FOLIO_MAPTRIM_H
#define FOLIO_MAPTRIM_H

#include <stddef.h>

/* Resident file pages past which the map is dropped. */
#define MAPTRIM_BYTES (24UL << 20)

struct maptrim;

/*
 * Finds where DB_DIR/data.mdb is mapped in this process and starts a
 * thread dropping its pages whenever more than MAPTRIM_BYTES of file
 * pages are resident. NULL when the mapping is not found (no /proc): no
 * trimming then, only a larger resident set.
 */
struct maptrim *maptrim_start(const char *db_dir);
/*
 * Where the map is in this process: data.mdb from its first byte, len
 * bytes long. 0, or -1 when t is NULL.
 */
int maptrim_where(const struct maptrim *t, void **map, size_t *len);
/* Drops the map's pages now (t may be NULL). */
void maptrim_now(struct maptrim *t);
/* Stops the thread and frees t (t may be NULL). */
void maptrim_stop(struct maptrim *t);

#endif
