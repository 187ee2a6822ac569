/*
 * Sinks: where result records go. One sink per run writes each record as
 * it finishes (text, JSON Lines or CSV; flushed per record) and keeps the
 * statistics behind the summary. sink_emit() is thread-safe.
 */
#ifndef PSCRAPE_OUTPUT_H
#define PSCRAPE_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "options.h"
#include "result.h"

struct sink;

/*
 * out is the record stream (the sink does not close it); to_stdout says
 * whether it is standard output, which -q keeps empty; log is the --log
 * file or NULL.
 */
struct sink	*sink_new(const struct options *, FILE *out, bool to_stdout,
		    FILE *log);
void		 sink_free(struct sink *);
/* Begin one engine's run: reset the statistics and start the clock. */
void		 sink_start(struct sink *, const char *engine, int jobs);
/* Write one record and account for it; consumes r. Thread-safe. */
void		 sink_emit(struct sink *, struct result *r);
/* The whole input is read: total records this run will have. */
void		 sink_input_done(struct sink *, uint64_t total);
/*
 * End the run: stop the clock and keep its statistics; jobs is the
 * concurrency the engine really ran with.
 */
void		 sink_finish(struct sink *, int jobs);
/* The statistics of every run so far, in order. */
struct runstats;
const struct runstats *sink_runs(const struct sink *, size_t *n);
/* Append one line to the --log file, timestamped. Thread-safe. */
void		 sink_log(struct sink *, const char *);
/* Percent of the records (duplicates aside) that were failures. */
double		 sink_failed_pct(const struct sink *);
/* Whether a write to the record stream failed; quietly if the reader left. */
bool		 sink_write_failed(const struct sink *);
bool		 sink_reader_gone(const struct sink *);

/* Formatting, exposed for the unit tests. */
void	json_string(struct textbuf *, const char *);
void	csv_field(struct textbuf *, const char *);
void	text_safe(struct textbuf *, const char *);
void	format_record(struct textbuf *, enum format, const struct result *);
const char *csv_header(void);

#endif
