/*
 * store_mark.c: the write path's source marks against a real database
 * (run by test_store_mark.sh with the test's config): a write moves a mark
 * only from the mark it names, so a second import that read the same mark
 * changes nothing, and its data is not written either.
 * Usage: store_mark CONFIG
 */
#include <stdio.h>
#include <string.h>

#include "fi_agg.h"
#include "fi_db.h"
#include "fi_store.h"
#include "fi_test.h"

/* Packets in totals_60, via the store's own connection. */
static long long
packets(struct fi_db *db)
{
	struct fi_err err;
	struct fi_stmt *st;
	long long n = -1;

	fi_err_clear(&err);
	st = fi_stmt_new(
	    db, "SELECT CAST(COALESCE(SUM(tcp_packets), 0) AS SIGNED) FROM totals_60",
	    &err);
	if (st != NULL && fi_stmt_exec(st, NULL, 0, &err) == 0 &&
	    fi_stmt_fetch(st, &err) == 1)
		n = fi_stmt_col(st, 0)->v.i;
	if (st != NULL)
		fi_stmt_reset(st);
	fi_stmt_free(st);
	return n;
}

int
main(int argc, char **argv)
{
	struct fi_config cfg;
	struct fi_err err;
	struct fi_db *db;
	struct fi_store *store;
	struct fi_agg agg;
	struct fi_flow f = {.first = 120,
			    .last = 120,
			    .proto = 6,
			    .packets = 5,
			    .bytes = 500,
			    .flows = FI_FLOW_UNIT};
	struct fi_store_source_mark sm = {.source = "argus:test",
					  .table = "argus_flows",
					  .mark = "scan 1 x",
					  .rows = 1};
	char text[64];
	uint64_t rows = 0;
	int found = -1;

	if (argc != 2) {
		fprintf(stderr, "usage: store_mark CONFIG\n");
		return 2;
	}
	fi_err_clear(&err);
	if (fi_config_read(&cfg, argv[1], &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	db = fi_db_open(&cfg, FI_DB_ROLE_IMPORTER, &err);
	store = db ? fi_store_new(db, &err) : NULL;
	if (store == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	f.src = fi_addr_from_v4(0x0a000001);
	f.dst = fi_addr_from_v4(0x0a000002);
	fi_agg_init(&agg, cfg.bucket_sizes, cfg.n_bucket_sizes);
	CHECK_INT(fi_agg_add(&agg, &f, &err), 0);

	CHECK_INT(fi_store_source_mark_get(store, "argus:test", "argus_flows", text,
					   sizeof(text), &rows, &found, &err),
		  0);
	CHECK_INT(found, 0);
	/* the first write records the mark with the data */
	CHECK_INT(fi_store_write_source(store, &agg, &sm, NULL, &err), 0);
	CHECK_INT(packets(db), 5);
	CHECK_INT(fi_store_source_mark_get(store, "argus:test", "argus_flows", text,
					   sizeof(text), &rows, &found, &err),
		  0);
	CHECK_INT(found, 1);
	CHECK_STR(text, "scan 1 x");
	CHECK_UINT(rows, 1);
	/* another import that also started without a mark: refused, nothing added */
	fi_err_clear(&err);
	CHECK_INT(fi_store_write_source(store, &agg, &sm, NULL, &err), FI_EEXIST);
	CHECK_CONTAINS(err.msg, "another import recorded a mark for argus:test table "
				"argus_flows");
	CHECK_INT(packets(db), 5);
	/* moving on from a mark that is not the current one: refused */
	sm.prev = "scan 0 y";
	sm.mark = "scan 2 z";
	sm.rows = 2;
	fi_err_clear(&err);
	CHECK_INT(fi_store_write_source(store, &agg, &sm, NULL, &err), FI_EEXIST);
	CHECK_CONTAINS(err.msg, "moved: another import is running");
	CHECK_INT(packets(db), 5);
	/* from the current mark: done, data and mark together */
	sm.prev = "scan 1 x";
	fi_err_clear(&err);
	CHECK_INT(fi_store_write_source(store, &agg, &sm, NULL, &err), 0);
	CHECK_INT(packets(db), 10);
	fi_err_clear(&err);
	CHECK_INT(fi_store_write_source(store, &agg, &sm, NULL, &err), FI_EEXIST);
	CHECK_INT(packets(db), 10);
	CHECK_INT(fi_store_source_mark_get(store, "argus:test", "argus_flows", text,
					   sizeof(text), &rows, &found, &err),
		  0);
	CHECK_STR(text, "scan 2 z");
	CHECK_UINT(rows, 2);
	/* marks of other tables and sources are separate */
	sm.table = "other";
	sm.prev = NULL;
	CHECK_INT(fi_store_write_source(store, &agg, &sm, NULL, &err), 0);
	CHECK_INT(packets(db), 15);
	/* a small mark buffer is an error, not a truncation */
	CHECK_INT(fi_store_source_mark_get(store, "argus:test", "other", text, 4, &rows,
					   &found, &err),
		  FI_ETOOBIG);

	fi_agg_fini(&agg);
	fi_store_free(store);
	fi_db_close(db);
	return fi_test_result("store_mark");
}
