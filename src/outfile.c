/* -o and --summary files, written under a temporary name and renamed. */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
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
	char *dir, *prefix;
	int fd, locked;

	o->path = xstrdup(path);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if ((o->f = fopen(path, "we")) == NULL)
			goto fail;
		return o;
	}
	/* A hidden name beside the target, so rename() stays atomic. */
	dir = slash == NULL ? xstrdup(".") : slash == path ? xstrdup("/") :
	    xasprintf("%.*s", (int)(slash - path), path);
	prefix = xasprintf(".%s.pscrape-", slash ? slash + 1 : path);
	outfile_sweep(dir, prefix, NULL);
	o->tmp = xasprintf("%s/%sXXXXXX", dir, prefix);
	free(dir);
	free(prefix);
	for (;;) {
		if ((fd = mkostemp(o->tmp, O_CLOEXEC)) < 0)
			goto fail;
		if ((locked = outfile_lock(fd)) == 0)
			break;
		close(fd);
		if (locked < 0) {
			unlink(o->tmp);
			goto fail;
		}
		memcpy(o->tmp + strlen(o->tmp) - 6, "XXXXXX", 6);
	}
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

/* Close o and rename it to path + suffix; NULL suffix: a whole file. */
static int
commit(struct outfile *o, const char *suffix)
{
	char *to = NULL, *partial = NULL;
	int rc = 0, saved;

	if (fflush(o->f) != 0 || ferror(o->f))
		rc = -1;
	saved = errno;
	if (fclose(o->f) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (o->tmp != NULL) {
		to = suffix != NULL ? xasprintf("%s%s", o->path, suffix) :
		    NULL;
		if (rc == 0 && rename(o->tmp, to != NULL ? to : o->path) != 0) {
			rc = -1;
			saved = errno;
		}
		if (rc != 0)
			unlink(o->tmp);
		else if (to == NULL) {
			partial = xasprintf("%s" OUTFILE_PARTIAL, o->path);
			(void)unlink(partial);
		}
	}
	if (rc == 0 && to != NULL)
		rc = 1;
	free(to);
	free(partial);
	free(o->tmp);
	free(o->path);
	free(o);
	errno = saved;
	return rc;
}

int
outfile_commit(struct outfile *o)
{
	return commit(o, NULL);
}

int
outfile_commit_partial(struct outfile *o)
{
	return commit(o, OUTFILE_PARTIAL);
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

void
outfile_sweep(const char *dir, const char *prefix, const char *glob)
{
	struct dirent *e;
	struct stat st;
	size_t n = prefix != NULL ? strlen(prefix) : 0;
	DIR *d;
	int fd;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (prefix != NULL ? strncmp(e->d_name, prefix, n) != 0 ||
		    strlen(e->d_name) != n + 6 :
		    fnmatch(glob, e->d_name, 0) != 0)
			continue;
		if ((fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC |
		    O_NOFOLLOW | O_NONBLOCK)) < 0)
			continue;
		/* Taken: its run is gone. The lock is ours until close. */
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    flock(fd, LOCK_EX | LOCK_NB) == 0)
			(void)unlinkat(dirfd(d), e->d_name, 0);
		close(fd);
	}
	closedir(d);
}

int
outfile_lock(int fd)
{
	struct stat st;

	/* Waits only for a sweep that opened it first: it unlinks then. */
	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0)
		return -1;
	return st.st_nlink > 0 ? 0 : 1;
}
