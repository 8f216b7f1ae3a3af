/*
 * guard: looks at a FastCGI connection's bytes before libfcgi parses them,
 * and refuses requests whose parameter stream libfcgi cannot be trusted
 * with.
 *
 * libfcgi's ReadParams allocates nameLen + valueLen + 2 bytes from lengths
 * read off the wire (up to 2^31 - 1 each) before it reads the pair. Debian's
 * fix for CVE-2025-23016 (2.4.2-2+deb12u1) stops the heap overflow of a
 * wrapped sum, but a sum that lands on a negative int still reaches malloc,
 * fails, and ends the process on an assertion; large lengths that do not
 * wrap reserve gigabytes for whatever the peer then sends. The guard peeks
 * (MSG_PEEK: nothing is consumed) at the records up to the end of the
 * request's FCGI_PARAMS stream and checks that every name-value pair in it,
 * and in any FCGI_GET_VALUES record before it, lies within the bytes
 * actually sent, and that the parameters total at most GUARD_MAX_PARAMS.
 * A peer that stops sending before that point is dropped after
 * GUARD_TIMEOUT_MS.
 *
 * Allocation-free: the caller provides the peek buffer once per process.
 */
#ifndef FOLIO_GUARD_H
#define FOLIO_GUARD_H

#include <stddef.h>

#define GUARD_MAX_PARAMS 65536		/* bytes of FCGI_PARAMS content */
#define GUARD_BUF_SIZE (GUARD_MAX_PARAMS + 65536)	/* peek window */
#define GUARD_TIMEOUT_MS 5000

#define GUARD_OK 0
#define GUARD_REFUSED 1		/* malformed, oversized or too slow */
#define GUARD_CLOSED 2		/* the peer closed before a whole request */

/*
 * Checks the request that starts at the current read position of the
 * connected socket fd. buf holds GUARD_BUF_SIZE bytes of scratch space.
 * Returns GUARD_OK (the request may be handed to libfcgi), GUARD_REFUSED
 * or GUARD_CLOSED (the caller closes the connection); *why is set to a
 * static description when refused.
 */
int guard_check(int fd, unsigned char *buf, const char **why);

#endif
