#ifndef FUSE_CSQLITE_SHIM_H
#define FUSE_CSQLITE_SHIM_H
#include <sqlite3.h>
/* SQLITE_TRANSIENT is a function-like cast macro that Swift cannot import: bind calls use this copy of it. */
static inline sqlite3_destructor_type fuse_sqlite_transient(void) { return SQLITE_TRANSIENT; }
#endif
