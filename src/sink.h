/*
 * The sink: where every engine hands its records. One sink per run of
 * pscrape writes each record as it finishes (in the format of format.h,
 * flushed per record), counts it in the run statistics (stats.h), shows
 * the progress line (progress.h), copies failures to --log, and remembers
 * whether the output could not be written. sink_emit() is thread-safe.
 */
#ifndef PSCRAPE_SINK_H
#define PSCRAPE_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct frontier;
struct options;
struct result;
struct runstats;
struct fetch_counts;
struct sink;

/*
 * out is the record stream (the sink does not close it); to_stdout says
 * whether it is standard output, which -q keeps empty; log is the --log
 * file or NULL.
 */
struct sink	*sink_new(const struct options *, FILE *out, bool to_stdout,
		    FILE *log);
/* The output already holds a CSV header (a run that goes on): no other. */
void		 sink_header_written(struct sink *);
void		 sink_free(struct sink *);
/*
 * --state: every record is completed in state, and goes out only when
 * its batch is committed there (at the latest BATCH_MS after it began,
 * and at sink_finish()); a record whose line went out in an earlier
 * attempt does not go out again. A shared frontier (--frontier) is
 * told of each record before it goes out (another process may own its
 * line) and after (its URL is done). Before sink_start().
 */
void		 sink_hold_for(struct sink *, struct frontier *state);
/* Begin one engine's run: reset the statistics and start the clock. */
void		 sink_start(struct sink *, const char *engine, int jobs);
/* Write one record and account for it; consumes r. Thread-safe. */
void		 sink_emit(struct sink *, struct result *r);
/* The whole input is read: total records this run will have. */
void		 sink_input_done(struct sink *, uint64_t total);
/*
 * End the run: stop the clock and keep its statistics; jobs is the
 * concurrency the engine really ran with, peak the most transfers at once,
 * c the connections it opened (fetch_counts_take()).
 */
void		 sink_finish(struct sink *, int jobs, int peak,
		    const struct fetch_counts *c);
/* The statistics of every run so far, in order. */
const struct runstats *sink_runs(const struct sink *, size_t *n);
/* Append one line to the --log file, timestamped. Thread-safe. */
void		 sink_log(struct sink *, const char *);
/*
 * With -q and --fail-threshold, failures are kept back from stderr: print
 * them (the first 100) and the failed share; called once the run is
 * judged failed. Does nothing otherwise.
 */
void		 sink_print_failures(struct sink *);
/* A worker process of this run ended with this peak RSS. Thread-safe. */
void		 sink_child_rss(struct sink *, long kb);
/* Percent of the records (duplicates aside) that were failures. */
double		 sink_failed_pct(const struct sink *);
/* Whether a write to the record stream failed; quietly if the reader left. */
bool		 sink_write_failed(const struct sink *);
bool		 sink_reader_gone(const struct sink *);
/* Whether --save-text's directory could not be written (the run stopped). */
bool		 sink_save_failed(const struct sink *);

#endif
