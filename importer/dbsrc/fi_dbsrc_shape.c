/*
 * fi_dbsrc_shape.c: what the source database holds: its tables (with
 * information_schema's row estimates and idle times) and, per table, the
 * columns an import reads, its AUTO_INCREMENT column and its unique keys,
 * which decide how the table can be followed.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fi_dbsrc_import.h"

static const char fi_dbsrc_sql_tables[] =
    "SELECT TABLE_NAME, COALESCE(TABLE_ROWS, 0),"
    " COALESCE(UNIX_TIMESTAMP() - UNIX_TIMESTAMP(UPDATE_TIME), -1)"
    " FROM information_schema.TABLES"
    " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'"
    " ORDER BY TABLE_NAME";
static const char fi_dbsrc_sql_columns[] =
    "SELECT COLUMN_NAME, EXTRA, DATA_TYPE FROM information_schema.COLUMNS"
    " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION";
static const char fi_dbsrc_sql_unique[] =
    "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS"
    " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0"
    " ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX";

/* Whether a column is an integer AUTO_INCREMENT column (an import's key). */
static int
fi_dbsrc_shape_autoinc(const char *extra, const char *type)
{
	static const char *const ints[] = {"tinyint", "smallint", "mediumint", "int",
					   "bigint"};

	if (strcasestr(extra, "auto_increment") == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (strcasecmp(type, ints[i]) == 0)
			return 1;
	return 0;
}

/*
 * Reads the columns of table t: the layout an import reads (a table of
 * another kind leaves why set to what it lacks) and the AUTO_INCREMENT
 * column.
 */
static int
fi_dbsrc_shape_columns(struct fi_dbsrc_source *d, const struct fi_dbsrc_table *t,
		       struct fi_dbsrc_shape *sh, struct fi_err *why, struct fi_err *err)
{
	struct fi_val name = FI_VAL_S(t->name, strlen(t->name));
	char(*cols)[FI_IDENT_MAX] = NULL;
	const char **ptrs = NULL;
	unsigned ncols = 0;
	struct fi_stmt *st;
	int rc;

	st = fi_stmt_new(d->src, fi_dbsrc_sql_columns, err);
	if (st == NULL)
		return err->code;
	cols = calloc(FI_DBSRC_COLUMNS_MAX, sizeof(*cols));
	ptrs = calloc(FI_DBSRC_COLUMNS_MAX, sizeof(*ptrs));
	rc = cols == NULL || ptrs == NULL ? fi_err_set(err, FI_ENOMEM, "out of memory")
					  : fi_stmt_exec(st, &name, 1, err);
	while (rc == 0 && (rc = fi_stmt_fetch(st, err)) == 1) {
		char extra[256], type[64];

		rc = 0;
		if (ncols >= FI_DBSRC_COLUMNS_MAX ||
		    fi_stmt_col_text(st, 0, cols[ncols], FI_IDENT_MAX) != 0 ||
		    fi_stmt_col_text(st, 1, extra, sizeof(extra)) != 0 ||
		    fi_stmt_col_text(st, 2, type, sizeof(type)) != 0) {
			rc = fi_err_set(err, FI_ETOOBIG,
					"%s: too many or too long columns", t->name);
			break;
		}
		if (fi_dbsrc_shape_autoinc(extra, type))
			memcpy(sh->autoinc, cols[ncols], FI_IDENT_MAX);
		ptrs[ncols] = cols[ncols];
		ncols++;
	}
	fi_stmt_free(st);
	if (rc == 0) /* else not a table of this kind: why says so */
		fi_dbsrc_layout_init(&sh->layout, d->opts.kind, ptrs, ncols, why);
	free(cols);
	free(ptrs);
	return rc < 0 ? rc : 0;
}

/*
 * Reads the unique keys of table t: whether it has one besides its
 * AUTO_INCREMENT column (then rows may be updated in place), and the
 * columns of the first (PRIMARY if there is one), a snapshot's order.
 */
static int
fi_dbsrc_shape_keys(struct fi_dbsrc_source *d, const struct fi_dbsrc_table *t,
		    struct fi_dbsrc_shape *sh, struct fi_err *err)
{
	struct fi_val name = FI_VAL_S(t->name, strlen(t->name));
	char first_index[FI_IDENT_MAX] = "", index[FI_IDENT_MAX], col[FI_IDENT_MAX];
	char prev_index[FI_IDENT_MAX] = "";
	unsigned in_index = 0;
	int index_is_autoinc = 1, rc;
	struct fi_stmt *st = fi_stmt_run(d->src, fi_dbsrc_sql_unique, &name, 1, err);

	if (st == NULL)
		return err->code;
	rc = 0;
	while (rc == 0 && (rc = fi_stmt_fetch(st, err)) == 1) {
		rc = 0;
		if (fi_stmt_col_text(st, 0, index, sizeof(index)) != 0 ||
		    fi_stmt_col_text(st, 1, col, sizeof(col)) != 0) {
			rc =
			    fi_err_set(err, FI_ETOOBIG, "%s: key name too long", t->name);
			break;
		}
		if (strcmp(index, prev_index) != 0) {
			/* a new unique index: was the previous one just the
			 * AUTO_INCREMENT? */
			if (prev_index[0] && !(index_is_autoinc && in_index == 1))
				sh->keyed = 1;
			memcpy(prev_index, index, sizeof(index));
			in_index = 0;
			index_is_autoinc = 1;
		}
		in_index++;
		if (strcmp(col, sh->autoinc) != 0)
			index_is_autoinc = 0;
		if (first_index[0] == '\0' || strcmp(index, first_index) == 0) {
			memcpy(first_index, index, sizeof(index));
			if (sh->norder < FI_DBSRC_KEY_COLS)
				memcpy(sh->order[sh->norder++], col, sizeof(col));
		}
	}
	if (rc == 0 && prev_index[0] && !(index_is_autoinc && in_index == 1))
		sh->keyed = 1;
	sh->primary = strcmp(first_index, "PRIMARY") == 0;
	fi_stmt_free(st);
	return rc < 0 ? rc : 0;
}

int
fi_dbsrc_shape_read(struct fi_dbsrc_source *d, const struct fi_dbsrc_table *t,
		    struct fi_dbsrc_shape *sh, struct fi_err *why, struct fi_err *err)
{
	int rc;

	memset(sh, 0, sizeof(*sh));
	rc = fi_dbsrc_shape_columns(d, t, sh, why, err);
	if (rc != 0 || why->code != 0)
		return rc;
	return fi_dbsrc_shape_keys(d, t, sh, err);
}

/* Lists the tables of the source database (names and estimates). */
int
fi_dbsrc_tables(struct fi_dbsrc_source *d, struct fi_dbsrc_table **out, size_t *n,
		struct fi_err *err)
{
	struct fi_stmt *st = fi_stmt_run(d->src, fi_dbsrc_sql_tables, NULL, 0, err);
	struct fi_dbsrc_table *v = NULL;
	size_t cap = 0;
	int rc;

	*n = 0;
	if (st == NULL)
		return err->code;
	while ((rc = fi_stmt_fetch(st, err)) == 1) {
		int64_t est, idle;

		rc = fi_buf_grow_array(&v, &cap, *n, sizeof(*v), FI_DBSRC_TABLES_MAX);
		if (rc == FI_ETOOBIG)
			rc = fi_err_set(err, rc, "more than %d tables",
					FI_DBSRC_TABLES_MAX);
		else if (rc != 0)
			rc = fi_err_set(err, rc, "out of memory");
		if (rc != 0)
			break;
		if (fi_stmt_col_text(st, 0, v[*n].name, sizeof(v[*n].name)) != 0)
			continue; /* no table name is this long in MariaDB */
		v[*n].est_rows =
		    fi_dbsrc_val_i64(fi_stmt_col(st, 1), &est) == 0 && est > 0
			? (uint64_t)est
			: 0;
		v[*n].idle = fi_dbsrc_val_i64(fi_stmt_col(st, 2), &idle) == 0 ? idle : -1;
		(*n)++;
	}
	fi_stmt_free(st);
	if (rc < 0) {
		free(v);
		*n = 0;
		return rc;
	}
	*out = v;
	return 0;
}
