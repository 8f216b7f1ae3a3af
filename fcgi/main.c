#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("folio-fcgi %s\n", FOLIO_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: folio-fcgi [options] DB_DIR\n");
	return 2;
}
