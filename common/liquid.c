/* liquid: see liquid.h. */
#include <string.h>

#include "liquid.h"

int
liquid_render(struct buf *out, const char *text, size_t len,
    unsigned first_line, const struct liquid_ctx *ctx, struct ferr *e)
{
	(void)first_line;
	(void)ctx;
	(void)e;
	buf_add(out, text, len);
	return 0;
}
