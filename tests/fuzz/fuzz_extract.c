/*
 * libFuzzer target: the extractor (extract_page: charset, the hostile
 * page defence in nest.c, gumbo, the count).
 *
 * Input: an optional Content-Type line, then the body (see fuzz.h).
 *
 * Checks: the text handed back is valid UTF-8 and holds exactly as many
 * code points as the count says; the charset is set. -timeout (make
 * fuzz sets 10 s) catches a page that makes the extractor slow, ASan a
 * bad read or write, LeakSanitizer anything gumbo's arena or the defence
 * leaves behind.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "extract.h"

#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct extract_out	 out;
	struct textbuf		 tb = { NULL, 0, 0 };
	char			*ct;
	size_t			 cps;

	ct = fuzz_split_ct(&data, &size);
	extract_page((const char *)data, size, ct, &out, &tb);
	FUZZ_CHECK(out.charset != NULL);
	FUZZ_CHECK(fuzz_valid_utf8(tb.data, tb.len));
	cps = fuzz_code_points(tb.data, tb.len);
	if (cps != out.chars) {
		fprintf(stderr, "count %llu, text has %zu code points\n",
		    (unsigned long long)out.chars, cps);
		FUZZ_CHECK(!"the count matches the text");
	}
	free(tb.data);
	free(ct);
	return 0;
}
