/*
 * changes: the list of files a caller says changed since the last publish
 * (folio-index --changed), as git diff --name-only prints it.
 */
#ifndef FOLIO_CHANGES_H
#define FOLIO_CHANGES_H

#include <stddef.h>

#include "log.h"

/*
 * Parses data[0..len): paths separated by NULs when there is one (git diff
 * -z), by newlines otherwise; then a "\r" ending a line is dropped, and a
 * path in double quotes is unquoted as git quotes it (\\ \" \a \b \f \n \r
 * \t \v, and \ooo for a byte). Each path is made canonical: "." and empty
 * components go ("./a//b/" -> "a/b"). The paths, sorted by strcmp and each
 * once, go to *out (malloc'd, as is each path; *n of them). Returns 0, or
 * -1 with e set (line: the path's number) for a path that is absolute,
 * goes up (".."), holds a NUL, or is quoted wrongly.
 */
int changes_parse(const char *data, size_t len, char ***out, size_t *n,
    struct ferr *e);
void changes_free(char **v, size_t n);

#endif
