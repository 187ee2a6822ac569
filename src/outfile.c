/* -o and --summary files, written under a temporary name and renamed. */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdbool.h>
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

/*
 * What the attempt before wrote to path, for outfile_open_resumed(): the
 * newest temporary file (dir/prefix and 6 more characters) whose run is
 * gone (its lock taken, and kept: a sweep leaves it alone), else
 * path.partial. Its descriptor, its name in *name, or -1.
 */
static int
leftover(const char *dir, const char *prefix, const char *path, char **name)
{
	struct dirent *e;
	struct stat st;
	struct timespec newest = { 0, 0 };
	size_t n = strlen(prefix);
	int fd, best = -1;
	DIR *d;

	*name = NULL;
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strncmp(e->d_name, prefix, n) != 0 ||
			    strlen(e->d_name) != n + 6)
				continue;
			if ((fd = openat(dirfd(d), e->d_name, O_RDONLY |
			    O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) < 0)
				continue;
			if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
			    flock(fd, LOCK_EX | LOCK_NB) != 0 ||
			    (best >= 0 && (st.st_mtim.tv_sec < newest.tv_sec ||
			    (st.st_mtim.tv_sec == newest.tv_sec &&
			    st.st_mtim.tv_nsec <= newest.tv_nsec)))) {
				close(fd);
				continue;
			}
			if (best >= 0)
				close(best);
			best = fd;
			newest = st.st_mtim;
			free(*name);
			*name = xasprintf("%s/%s", dir, e->d_name);
		}
		closedir(d);
	}
	if (best >= 0)
		return best;
	*name = xasprintf("%s" OUTFILE_PARTIAL, path);
	if ((fd = open(*name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK)) >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		return fd;
	if (fd >= 0)
		close(fd);
	free(*name);
	*name = NULL;
	return -1;
}

/*
 * The whole lines of fd onto f, but those drop says to leave out: how
 * many were taken (*dropped: left out), or -1 on a read error.
 */
static int64_t
copy_lines(int fd, FILE *f, outfile_drop drop, void *arg, uint64_t *dropped)
{
	FILE *in;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int64_t kept = 0;

	*dropped = 0;
	if ((fd = dup(fd)) < 0 || (in = fdopen(fd, "r")) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((len = getline(&line, &cap, in)) > 0) {
		if (line[len - 1] != '\n')
			break;		/* cut short by a kill: not kept */
		if (drop != NULL && drop(line, (size_t)len, arg))
			(*dropped)++;
		else {
			fwrite(line, 1, (size_t)len, f);
			kept++;
		}
	}
	if (ferror(in))
		kept = -1;
	free(line);
	fclose(in);
	return kept;
}

static struct outfile *
open_tmp(const char *path, bool resumed, outfile_drop drop, void *arg,
    uint64_t *kept, uint64_t *dropped, char **from, char *err, size_t errlen)
{
	struct outfile *o = xcalloc(1, sizeof *o);
	const char *slash = strrchr(path, '/');
	struct stat st;
	char *dir, *prefix, *left = NULL;
	int fd, locked, lfd = -1;
	int64_t n;

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
	if (resumed)
		lfd = leftover(dir, prefix, path, &left);
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
	if (lfd >= 0) {
		if ((n = copy_lines(lfd, o->f, drop, arg, dropped)) < 0 ||
		    fflush(o->f) != 0) {
			snprintf(err, errlen, "cannot read '%s': %s", left,
			    strerror(errno));
			close(lfd);
			free(left);
			outfile_abort(o);
			return NULL;
		}
		/* Taken over: a temporary file goes, a .partial waits. */
		if (strcmp(left + strlen(left) - strlen(OUTFILE_PARTIAL),
		    OUTFILE_PARTIAL) != 0)
			(void)unlink(left);
		close(lfd);
		*kept = (uint64_t)n;
		*from = left;
	}
	return o;
fail:
	snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
	if (lfd >= 0)
		close(lfd);
	free(left);
	free(o->tmp);
	free(o->path);
	free(o);
	return NULL;
}

struct outfile *
outfile_open(const char *path, char *err, size_t errlen)
{
	return open_tmp(path, false, NULL, NULL, NULL, NULL, NULL, err,
	    errlen);
}

struct outfile *
outfile_open_resumed(const char *path, outfile_drop drop, void *arg,
    uint64_t *kept, uint64_t *dropped, char **from, char *err, size_t errlen)
{
	*kept = *dropped = 0;
	*from = NULL;
	return open_tmp(path, true, drop, arg, kept, dropped, from, err,
	    errlen);
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
