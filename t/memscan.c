/*
 * memscan.c - does a process's memory hold these bytes?  For the
 * privilege separation tests: the network process of ssmpd must not
 * hold a domain key's seed; its key process must (which shows the scan
 * itself works).  Reads every readable mapping of /proc/PID/mem (root).
 *
 *	memscan PID HEX		prints the number of copies; exit 0 if
 *				there is at least one, 1 if none, 2 on error
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK	(1 << 20)

static int
unhex(const char *h, unsigned char *out, size_t max)
{
	size_t n = strlen(h) / 2;

	if (strlen(h) % 2 != 0 || n == 0 || n > max)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (sscanf(h + 2 * i, "%2hhx", &out[i]) != 1)
			return -1;
	return (int)n;
}

/* Copies of pat in [lo, hi) of the process behind fd. */
static long
scan(int fd, unsigned long lo, unsigned long hi, const unsigned char *pat,
    size_t plen, unsigned char *buf)
{
	long hits = 0;
	ssize_t got;

	/* chunks overlap by plen - 1 so a copy across a border counts once */
	for (unsigned long at = lo; at < hi; at += CHUNK) {
		size_t want = hi - at < CHUNK + plen - 1 ? hi - at :
		    CHUNK + plen - 1;

		got = pread(fd, buf, want, (off_t)at);
		if (got <= 0)
			break;	/* guard pages, vvar: unreadable, skip */
		for (ssize_t i = 0; i + (ssize_t)plen <= got; i++)
			if (buf[i] == pat[0] && memcmp(buf + i, pat, plen) == 0 &&
			    (i < CHUNK || at + CHUNK >= hi))
				hits++;
	}
	return hits;
}

int
main(int argc, char **argv)
{
	unsigned char	 pat[256], *buf;
	char		 path[64], line[512], perm[8];
	unsigned long	 lo, hi;
	long		 hits = 0;
	FILE		*maps;
	int		 fd, plen;

	if (argc != 3 || (plen = unhex(argv[2], pat, sizeof(pat))) < 0) {
		fprintf(stderr, "usage: memscan PID HEX\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%s/maps", argv[1]);
	if ((maps = fopen(path, "r")) == NULL) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%s/mem", argv[1]);
	if ((fd = open(path, O_RDONLY)) < 0) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		return 2;
	}
	if ((buf = malloc(CHUNK + sizeof(pat))) == NULL)
		return 2;
	while (fgets(line, sizeof(line), maps) != NULL)
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) == 3 &&
		    perm[0] == 'r')
			hits += scan(fd, lo, hi, pat, (size_t)plen, buf);
	printf("%ld\n", hits);
	return hits > 0 ? 0 : 1;
}
