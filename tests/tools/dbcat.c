/*
 * dbcat DB_DIR KEY: prints a stored page's status, headers and identity
 * body, as the indexer stored them (for tests and for a person debugging).
 * dbcat -m DB_DIR KEY prints a "meta" value; exit 1 when the key is absent.
 */
#include <lmdb.h>
#include <stdio.h>
#include <string.h>

#include "store.h"

int
main(int argc, char **argv)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	struct store_page p;
	int meta = argc > 1 && strcmp(argv[1], "-m") == 0, rc, i;

	if (argc != 3 + meta) {
		fprintf(stderr, "usage: dbcat [-m] DB_DIR KEY\n");
		return 2;
	}
	if (mdb_env_create(&env) != 0 || mdb_env_set_maxdbs(env, STORE_MAXDBS)
	    != 0 || (rc = mdb_env_open(env, argv[1 + meta], MDB_RDONLY, 0)) != 0) {
		fprintf(stderr, "%s: cannot open\n", argv[1 + meta]);
		return 2;
	}
	mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	if (mdb_dbi_open(txn, meta ? "meta" : "pages", 0, &dbi) != 0)
		return 2;
	k.mv_data = argv[2 + meta];
	k.mv_size = strlen(argv[2 + meta]);
	if (mdb_get(txn, dbi, &k, &v) != 0)
		return 1;
	if (meta) {
		fwrite(v.mv_data, 1, v.mv_size, stdout);
		return 0;
	}
	if (store_page_parse(v.mv_data, v.mv_size, &p) == -1) {
		fprintf(stderr, "malformed record\n");
		return 2;
	}
	printf("Status: %u\nContent-Type: %.*s\n", p.status, (int)p.ctype_len,
	    p.ctype);
	if (p.location != NULL)
		printf("Location: %.*s\n", (int)p.location_len, p.location);
	for (i = 0; i < p.nvariants; i++)
		printf("Variant: %u %u bytes ETag %.*s\n", p.v[i].enc,
		    p.v[i].body_len, (int)p.v[i].etag_len, p.v[i].etag);
	printf("\n");
	fwrite(p.v[0].body, 1, p.v[0].body_len, stdout);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return 0;
}
