/* sqlite: a dynamically linked workload (issue 14).  Builds an in-memory SQLite database of N
 * rows (id, key, text) inside one transaction through a prepared statement, indexes the key,
 * and runs four queries (count and sum, a GROUP BY, an index range scan, an ORDER BY with a
 * LIMIT), printing their results and a checksum.  Linked against Debian's libsqlite3.so.0
 * (i386: libsqlite3-0:i386), so its page faults include the dynamic linker's: ld.so, libc,
 * libsqlite3 (1.6 MiB of text) and libm mapped, relocated and RELRO-protected.
 * Usage: sqlite [ROWS]   (default 5000; output depends only on ROWS) */
#include <sqlite3.h>

#include "guest.h"

static sqlite3 *db;

static void die(const char *what)
{
    fprintf(stderr, "sqlite: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

static void exec(const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "sqlite: %s: %s\n", sql, err ? err : "?");
        exit(1);
    }
}

static sqlite3_stmt *prepare(const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        die(sql);
    return st;
}

static void fill(long rows)
{
    uint32_t seed = 12345;
    exec("CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER NOT NULL, s TEXT NOT NULL)");
    exec("BEGIN");
    sqlite3_stmt *ins = prepare("INSERT INTO t(id, k, s) VALUES(?1, ?2, ?3)");
    for (long i = 1; i <= rows; i++) {
        char text[32];
        uint32_t k = gst_xorshift32(&seed) % 100000u;
        snprintf(text, sizeof text, "row-%05lu-%08x", (unsigned long)i, gst_xorshift32(&seed));
        sqlite3_bind_int64(ins, 1, i);
        sqlite3_bind_int64(ins, 2, k);
        sqlite3_bind_text(ins, 3, text, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ins) != SQLITE_DONE)
            die("insert");
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    exec("COMMIT");
    exec("CREATE INDEX t_k ON t(k)");
}

/* Runs sql and folds every column of every row into *sum (FNV-1a of the text forms);
 * prints the first row with label. */
static void query(const char *label, const char *sql, uint32_t *sum)
{
    sqlite3_stmt *st = prepare(sql);
    int rc, nrows = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int cols = sqlite3_column_count(st);
        for (int c = 0; c < cols; c++) {
            const unsigned char *v = sqlite3_column_text(st, c);
            for (const unsigned char *p = v ? v : (const unsigned char *)""; *p; p++)
                *sum = (*sum ^ *p) * 16777619u;
            *sum = (*sum ^ '|') * 16777619u;
            if (nrows == 0)
                printf("%s%s%s", c ? " " : label, c ? "" : " ", v ? (const char *)v : "NULL");
        }
        if (nrows++ == 0)
            printf("\n");
    }
    if (rc != SQLITE_DONE)
        die(sql);
    sqlite3_finalize(st);
}

int main(int argc, char **argv)
{
    long rows = gst_arg(argc, argv, 1, "rows", 5000, 1, 10000000);
    if (sqlite3_open(":memory:", &db) != SQLITE_OK)
        die("open");
    fill(rows);
    uint32_t sum = 2166136261u;
    query("count-sum", "SELECT count(*), sum(k) FROM t", &sum);
    query("groups", "SELECT k % 7 AS g, count(*), max(k) FROM t GROUP BY g ORDER BY g", &sum);
    query("range", "SELECT count(*), min(id), max(id) FROM t WHERE k BETWEEN 25000 AND 30000",
          &sum);
    query("top", "SELECT id, k, s FROM t ORDER BY k DESC, id LIMIT 5", &sum);
    sqlite3_close(db);
    printf("sqlite rows=%ld sum=%08x\n", rows, sum);
    return 0;
}
