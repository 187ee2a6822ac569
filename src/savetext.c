/*
 * --save-text. Files are written to a temporary name and renamed, so a
 * reader never sees half a page. The index is appended to one whole line
 * a write(2) on an O_APPEND descriptor: the process engine's workers each
 * have their own, and on a local file system Linux makes such a write
 * atomic against the others (the inode lock is held for all of it), while
 * stdio cut a line longer than its buffer (a URL of 4 KB and more) into
 * several writes that other workers' lines came between. The lock keeps
 * a process's threads from writing at once all the same.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "savetext.h"
#include "xmalloc.h"

struct savetext {
	char		*dir;
	int		 index;		/* O_APPEND */
	pthread_mutex_t	 lock;
};

void
savetext_name(const char *url, char name[21])
{
	snprintf(name, 21, "%016llx.txt", (unsigned long long)fnv1a64(url));
}

struct savetext *
savetext_open(const char *dir, char *err, size_t errlen)
{
	struct savetext *st;
	char *path;
	int fd;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "--save-text: cannot create '%s': %s",
		    dir, strerror(errno));
		return NULL;
	}
	path = xasprintf("%s/index.tsv", dir);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	free(path);
	if (fd < 0) {
		snprintf(err, errlen, "--save-text: cannot write in '%s': %s",
		    dir, strerror(errno));
		return NULL;
	}
	st = xcalloc(1, sizeof *st);
	st->dir = xstrdup(dir);
	st->index = fd;
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

int
savetext_write(struct savetext *st, const char *url, const char *text,
    size_t len, char *err, size_t errlen)
{
	char name[21], *tmp, *path, *line;
	int fd, rc = -1;
	size_t n;

	savetext_name(url, name);
	path = xasprintf("%s/%s", st->dir, name);
	tmp = xasprintf("%s/.%s.XXXXXX", st->dir, name);
	if ((fd = mkstemp(tmp)) < 0) {
		snprintf(err, errlen, "cannot save text in '%s': %s", st->dir,
		    strerror(errno));
		goto out;
	}
	/* mkstemp makes 0600; saved text is as readable as other output. */
	(void)fchmod(fd, 0644);
	if (write_close(fd, text, len) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot save text to '%s': %s", path,
		    strerror(errno));
		unlink(tmp);
		goto out;
	}
	line = xasprintf("%s\t%s\n", name, url);
	n = strlen(line);
	pthread_mutex_lock(&st->lock);
	errno = 0;
	/* Short only on a full disk or the like: no second write. */
	if (write(st->index, line, n) != (ssize_t)n)
		snprintf(err, errlen, "cannot write '%s/index.tsv': %s",
		    st->dir, errno ? strerror(errno) : "short write");
	else
		rc = 0;
	pthread_mutex_unlock(&st->lock);
	free(line);
out:
	free(tmp);
	free(path);
	return rc;
}

void
savetext_close(struct savetext *st)
{
	if (st == NULL)
		return;
	close(st->index);
	pthread_mutex_destroy(&st->lock);
	free(st->dir);
	free(st);
}
