/*
 * driver.c - replay files through a fuzz target without libFuzzer.
 *
 * Lets `make check` run every target over its seed corpus and saved
 * crashers with gcc, so a parser regression fails the ordinary build.
 * Arguments are files or directories; output is TAP, one line per file.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n;

static void
run_file(const char *path)
{
	FILE	*f = fopen(path, "rb");
	uint8_t	*buf = NULL;
	size_t	 len = 0, cap = 0, got;

	if (f == NULL) {
		printf("not ok %d - cannot open %s\n", ++n, path);
		return;
	}
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((buf = realloc(buf, cap)) == NULL)
				abort();
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	printf("ok %d - %s\n", ++n, path);
}

static void
run_path(const char *path)
{
	struct stat	 st;
	struct dirent	**ents;
	char		 sub[4096];
	int		 i, k;

	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	k = scandir(path, &ents, NULL, alphasort);
	for (i = 0; i < k; i++) {
		if (ents[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name);
			run_path(sub);
		}
		free(ents[i]);
	}
	if (k >= 0)
		free(ents);
}

int
main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (argv[i][0] != '-')
			run_path(argv[i]);
	printf("1..%d\n", n);
	return 0;
}
