/*
 * Output files that readers never see half-written: a regular file is
 * written under a temporary name in the same directory and renamed into
 * place by outfile_commit(); until then (and after a crash or a write
 * error) the previous file stays untouched. A run that did not finish
 * (a stop signal) keeps what it wrote as FILE.partial instead, and FILE
 * stays untouched too. Anything else (a terminal, /dev/null, a FIFO,
 * /dev/full) is written directly. Used for -o (the
 * stream the sink writes records to) and --summary (stats_json()); the
 * pages of --save-text are savetext.c's, which renames over whatever
 * stands at their names.
 */
#ifndef PSCRAPE_OUTFILE_H
#define PSCRAPE_OUTFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct outfile;

#define OUTFILE_PARTIAL	".partial"	/* the suffix of what a stop kept */

/* NULL with a message in err when the file cannot be created. */
struct outfile	*outfile_open(const char *path, char *err, size_t errlen);
/*
 * outfile_open() for an attempt that goes on with a run cut short
 * (--state): the new file starts with what the attempt before wrote to
 * path, its whole lines (a kill may cut the last one short) but those
 * drop(line, len, arg) says to leave out: the temporary file a killed
 * run left (the newest, if several), else path.partial. *kept is the
 * lines taken (0: none), *dropped those left out, *from the file they
 * came from (freed by the caller), which is removed if it was a
 * temporary file (path.partial goes when the new file is committed).
 */
typedef bool	(*outfile_drop)(const char *line, size_t len, void *arg);
struct outfile	*outfile_open_resumed(const char *path, outfile_drop drop,
		    void *arg, uint64_t *kept, uint64_t *dropped, char **from,
		    char *err, size_t errlen);
FILE		*outfile_stream(struct outfile *);
/*
 * Flush, close and rename into place, then remove FILE.partial, which a
 * whole file supersedes; -1 (errno set) when that failed.
 */
int		 outfile_commit(struct outfile *);
/*
 * The same, for a run that did not finish: renamed to FILE.partial
 * (replacing an older one), FILE left as it was; 1 when it was (0 when
 * FILE is no regular file, which was written in place).
 */
int		 outfile_commit_partial(struct outfile *);
/* Close and remove the temporary file, leaving the old one in place. */
void		 outfile_abort(struct outfile *);

/*
 * Temporary files of runs that were killed (SIGKILL, a crash) would stay
 * forever: each run holds an flock(2) on its own for their life, and the
 * next run on the same target removes the others, those whose lock can be
 * taken. outfile_sweep() removes the regular files in dir named prefix
 * and six more characters (mkstemp's), or matching glob when prefix is
 * NULL. outfile_lock() takes the lock on a new temporary file: 0, or 1
 * when another run swept it in between (make another), -1 on error.
 */
void		 outfile_sweep(const char *dir, const char *prefix,
		    const char *glob);
int		 outfile_lock(int fd);

#endif
