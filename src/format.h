/*
 * Record formats: one result as a line of text, JSON Lines or CSV, and the
 * escapers behind them. Pure: they append to a buffer, with no I/O and no
 * locks; writing the records is the sink's (sink.h).
 */
#ifndef PSCRAPE_FORMAT_H
#define PSCRAPE_FORMAT_H

#include "extract.h"
#include "options.h"
#include "result.h"

/*
 * The optional fields of jsonl and csv records, after every other field
 * (so that the columns of the others stay put), in this order: links_cut
 * with --depth, not_modified, changed, skipped and replayed with --state,
 * text_file with --save-text, text with --text. The text format has none
 * (a line whose links were cut, that was not modified or replayed, says
 * so at its end).
 */
#define FIELD_TEXT_FILE	0x1
#define FIELD_TEXT	0x2
#define FIELD_LINKS_CUT	0x4
#define FIELD_STATE	0x8
unsigned	 format_fields(const struct options *);

/* One record, its line end included, in the format asked for. */
void		 format_record(struct textbuf *, enum format, unsigned fields,
		    const struct result *);
/* The CSV header line that opens every CSV output. */
const char	*csv_header(unsigned fields);
/*
 * Whether a line of output (len bytes, its line end included or not) is
 * a record that says only that a stop cut its URL ("interrupted by ..."
 * or "not started: interrupted by ..."): not final, so an attempt that
 * goes on with the run (--state) leaves it out of the file it carries
 * on. *quoted: a CSV record's quoted field goes on to the next line
 * (false before the first line); such a line is never left out.
 */
bool		 format_interrupted(enum format, const char *line, size_t len,
		    bool *quoted);

/*
 * The escapers: a JSON string (quotes included) of valid UTF-8 with control
 * characters escaped; an RFC 4180 CSV field, quoted only when it must be;
 * text with control bytes shown as \xNN, so one record is one line.
 */
void		 json_string(struct textbuf *, const char *);
void		 csv_field(struct textbuf *, const char *);
/* The same for n bytes, which may hold a NUL (\u0000; quoted in CSV). */
void		 json_stringn(struct textbuf *, const char *, size_t n);
void		 csv_fieldn(struct textbuf *, const char *, size_t n);
void		 text_safe(struct textbuf *, const char *);

#endif
