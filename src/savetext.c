/*
 * --save-text. Files are written to a temporary name and renamed, so a
 * reader never sees half a page. The index is truncated when it is opened
 * and appended to under a lock, each file once: it lists the pages of
 * this run (one invocation, every engine of -e all), not of earlier ones.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "outfile.h"
#include "savetext.h"
#include "strset.h"
#include "xmalloc.h"

struct savetext {
	char		*dir;
	FILE		*index;		/* NULL: a process worker's */
	struct strset	*listed;	/* file names in the index */
	pthread_mutex_t	 lock;
};

void
savetext_name(const char *url, char name[21])
{
	snprintf(name, 21, "%016llx.txt", (unsigned long long)fnv1a64(url));
}

struct savetext *
savetext_open(const char *dir, bool index, char *err, size_t errlen)
{
	struct savetext *st;
	char *path;
	FILE *f = NULL;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "--save-text: cannot create '%s': %s",
		    dir, strerror(errno));
		return NULL;
	}
	/* A worker writes no index, but must be able to write in DIR. */
	if (index) {
		/* Killed runs' temporary files (outfile.h): the run's one sweep. */
		outfile_sweep(dir, NULL, ".????????????????.txt.??????");
		path = xasprintf("%s/index.tsv", dir);
		f = fopen(path, "w");
		free(path);
	}
	if (index ? f == NULL : access(dir, W_OK) != 0) {
		snprintf(err, errlen, "--save-text: cannot write in '%s': %s",
		    dir, strerror(errno));
		return NULL;
	}
	st = xcalloc(1, sizeof *st);
	st->dir = xstrdup(dir);
	st->index = f;
	st->listed = index ? strset_new() : NULL;
	pthread_mutex_init(&st->lock, NULL);
	return st;
}

/*
 * Write the text to fd and close it, whatever happens; -1 with errno set
 * when any of it failed. stdio finishes short writes, and the stop signals
 * are SA_RESTART (stop.c), so there is no EINTR to retry.
 */
static int
write_close(int fd, const char *text, size_t len)
{
	FILE *f;
	int saved;

	if ((f = fdopen(fd, "w")) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (fwrite(text, 1, len, f) != len || fflush(f) != 0) {
		saved = errno;
		fclose(f);
		errno = saved;
		return -1;
	}
	return fclose(f);
}

bool
savetext_dir_failed(int errnum)
{
	switch (errnum) {
	case ENOSPC:
	case EDQUOT:
	case EROFS:
	case EIO:
	case EFBIG:
		return true;
	default:
		return false;
	}
}

char *
savetext_write(struct savetext *st, const char *url, const char *text,
    size_t len, char *err, size_t errlen)
{
	char name[21], *tmp, *path;
	int fd, lk, saved, locked;

	savetext_name(url, name);
	path = xasprintf("%s/%s", st->dir, name);
	tmp = xasprintf("%s/.%s.XXXXXX", st->dir, name);
	for (;;) {
		if ((fd = mkstemp(tmp)) < 0 || (locked = outfile_lock(fd)) < 0) {
			saved = errno;
			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			snprintf(err, errlen, "cannot save text in '%s': %s",
			    st->dir, strerror(saved));
			goto fail;
		}
		if (locked == 0)
			break;
		close(fd);	/* swept by another run meanwhile: a new name */
		memcpy(tmp + strlen(tmp) - 6, "XXXXXX", 6);
	}
	/* mkstemp makes 0600; saved text is as readable as other output. */
	(void)fchmod(fd, 0644);
	/* The lock lasts until the rename: it is on the file, not the fd. */
	lk = dup(fd);
	if (write_close(fd, text, len) != 0 || rename(tmp, path) != 0) {
		saved = errno;
		snprintf(err, errlen, "cannot save text to '%s': %s", path,
		    strerror(saved));
		unlink(tmp);
		if (lk >= 0)
			close(lk);
		goto fail;
	}
	if (lk >= 0)
		close(lk);
	free(tmp);
	if (st->index != NULL && savetext_list(st, url, err, errlen) != 0) {
		free(path);
		return NULL;
	}
	return path;
fail:
	free(tmp);
	free(path);
	errno = saved;	/* for savetext_dir_failed() */
	return NULL;
}

int
savetext_list(struct savetext *st, const char *url, char *err,
    size_t errlen)
{
	char name[21];
	int rc = 0, saved = 0;

	savetext_name(url, name);
	pthread_mutex_lock(&st->lock);
	/* With -e all each engine saves the page again: list it once. */
	if (strset_add(st->listed, name, "") == NULL &&
	    (fprintf(st->index, "%s\t%s\n", name, url) < 0 ||
	    fflush(st->index) != 0)) {
		saved = errno;
		snprintf(err, errlen, "cannot write '%s/index.tsv': %s",
		    st->dir, strerror(saved));
		rc = -1;
	}
	pthread_mutex_unlock(&st->lock);
	errno = saved;
	return rc;
}

void
savetext_close(struct savetext *st)
{
	if (st == NULL)
		return;
	if (st->index != NULL)
		fclose(st->index);
	strset_free(st->listed);
	pthread_mutex_destroy(&st->lock);
	free(st->dir);
	free(st);
}
