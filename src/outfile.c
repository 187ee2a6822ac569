/* -o and --summary files, written under a temporary name and renamed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"
#include "xmalloc.h"

struct outfile {
	char	*path;
	char	*tmp;		/* NULL: written in place */
	FILE	*f;
};

struct outfile *
outfile_open(const char *path, char *err, size_t errlen)
{
	struct outfile *o = xcalloc(1, sizeof *o);
	const char *slash = strrchr(path, '/');
	struct stat st;
	int fd;

	o->path = xstrdup(path);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if ((o->f = fopen(path, "we")) == NULL)
			goto fail;
		return o;
	}
	/* A hidden name beside the target, so rename() stays atomic. */
	o->tmp = xasprintf("%.*s.%s.pscrape-XXXXXX",
	    slash ? (int)(slash - path + 1) : 0, path, slash ? slash + 1 : path);
	if ((fd = mkostemp(o->tmp, O_CLOEXEC)) < 0)
		goto fail;
	/* mkostemp makes 0600; an ordinary output file is 0666 & ~umask. */
	{
		mode_t mask = umask(0);

		umask(mask);
		(void)fchmod(fd, 0666 & ~mask);
	}
	if ((o->f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(o->tmp);
		goto fail;
	}
	return o;
fail:
	snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
	free(o->tmp);
	free(o->path);
	free(o);
	return NULL;
}

FILE *
outfile_stream(struct outfile *o)
{
	return o->f;
}

int
outfile_commit(struct outfile *o)
{
	int rc = 0, saved;

	if (fflush(o->f) != 0 || ferror(o->f))
		rc = -1;
	saved = errno;
	if (fclose(o->f) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (o->tmp != NULL) {
		if (rc == 0 && rename(o->tmp, o->path) != 0) {
			rc = -1;
			saved = errno;
		}
		if (rc != 0)
			unlink(o->tmp);
	}
	free(o->tmp);
	free(o->path);
	free(o);
	errno = saved;
	return rc;
}

void
outfile_abort(struct outfile *o)
{
	fclose(o->f);
	if (o->tmp != NULL)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	free(o);
}
