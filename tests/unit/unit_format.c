/* Unit tests for record formatting: JSON, CSV and text escaping. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "tap.h"

static char *
fmt(void (*f)(struct textbuf *, const char *), const char *s)
{
	static struct textbuf b;

	b.len = 0;
	f(&b, s);
	return b.data;
}

static struct textbuf rb;

static const char *
record_fields(enum format f, unsigned fields, const struct result *r)
{
	rb.len = 0;
	format_record(&rb, f, fields, r);
	return rb.data;
}

static const char *
record(enum format f, const struct result *r)
{
	return record_fields(f, 0, r);
}

int
main(void)
{
	struct result ok = {
		.url = "http://h/a,\"b\"", .input = "list:3",
		.final_url = "http://h/final", .status = 200, .ok = true,
		.content_type = "text/html; charset=utf-8", .charset = "utf-8",
		.bytes = 1234, .chars = 567, .time_ms = 12.5, .ttfb_ms = 3.25,
		.engine = "serial", .attempts = 1,
	};
	struct result bad = {
		.url = "http://h/x", .input = "-:1", .status = 404,
		.engine = "serial", .error = "HTTP 404",
	};
	struct result dup = {
		.url = "http://h/x", .input = "l:9", .ok = true,
		.duplicate_of = "l:1", .engine = "serial",
	};
	struct job link = { .depth = 2, .referrer = "http://h/,\"p\"" };
	struct result crawled = {
		.url = "http://h/l", .input = "l:4", .status = 503,
		.engine = "pool", .error = "HTTP 503", .attempts = 3,
	};
	struct result unreach = {
		.url = "http://h/u", .input = "l:5", .engine = "async",
		.error = "Connection refused (robots.txt could not be fetched)",
		.robots = "unreachable",
	};
	struct result hostile = {
		.url = "http://h/\x01", .input = "l:2",
		.engine = "serial", .error = "line1\nline2\t\"q\"\\ \xff\x7f",
	};

	is_str(fmt(json_string, "plain"), "\"plain\"", "json plain");
	is_str(fmt(json_string, "q\"b\\s/"), "\"q\\\"b\\\\s/\"", "json quote and backslash");
	is_str(fmt(json_string, "\n\r\t\x01\x1f\x7f"),
	    "\"\\n\\r\\t\\u0001\\u001f\\u007f\"", "json control characters");
	is_str(fmt(json_string, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", "json keeps valid UTF-8");
	is_str(fmt(json_string, "a\xff" "b\xc3" "c\xed\xa0\x80" "d\xc0\xaf"),
	    "\"a\\ufffdb\\ufffdc\\ufffd\\ufffd\\ufffdd\\ufffd\\ufffd\"",
	    "json replaces invalid UTF-8 byte by byte (surrogates, overlongs)");
	is_str(fmt(json_string, ""), "\"\"", "json empty");

	is_str(fmt(csv_field, "plain"), "plain", "csv plain unquoted");
	is_str(fmt(csv_field, "a,b"), "\"a,b\"", "csv comma quoted");
	is_str(fmt(csv_field, "say \"hi\""), "\"say \"\"hi\"\"\"", "csv quotes doubled");
	is_str(fmt(csv_field, "l1\r\nl2"), "\"l1\r\nl2\"", "csv newlines quoted");
	is_str(fmt(csv_field, " pad"), "\" pad\"", "csv leading space quoted");
	is_str(fmt(csv_field, "bad\xff"), "bad\xef\xbf\xbd", "csv invalid UTF-8 replaced");

	is_str(fmt(text_safe, "a\nb\x1b[31m\x7f"), "a\\x0ab\\x1b[31m\\x7f",
	    "text shows control bytes as \\xNN");

	is_str(record(FORMAT_TEXT, &ok),
	    "Fetched 567 characters from http://h/a,\"b\"\n", "text success");
	is_str(record(FORMAT_TEXT, &bad), "Failed http://h/x: HTTP 404\n",
	    "text failure");
	is_str(record(FORMAT_TEXT, &dup),
	    "Skipped http://h/x: duplicate of l:1\n", "text duplicate");
	is_str(record(FORMAT_TEXT, &hostile),
	    "Failed http://h/\\x01: line1\\x0aline2\\x09\"q\"\\ \xff\\x7f\n",
	    "text failure stays on one line");

	is_str(record(FORMAT_JSONL, &ok),
	    "{\"url\":\"http://h/a,\\\"b\\\"\",\"input\":\"list:3\","
	    "\"final_url\":\"http://h/final\",\"status\":200,\"ok\":true,"
	    "\"duplicate_of\":null,\"content_type\":\"text/html; charset=utf-8\","
	    "\"charset\":\"utf-8\",\"bytes\":1234,\"chars\":567,"
	    "\"time_ms\":12.500,\"ttfb_ms\":3.250,\"engine\":\"serial\","
	    "\"attempts\":1,\"depth\":0,\"referrer\":null,"
	    "\"error\":null,\"robots\":null}\n", "jsonl success, every field");
	is_str(record(FORMAT_JSONL, &hostile),
	    "{\"url\":\"http://h/\\u0001\",\"input\":\"l:2\",\"final_url\":null,"
	    "\"status\":0,\"ok\":false,\"duplicate_of\":null,"
	    "\"content_type\":null,\"charset\":null,\"bytes\":0,\"chars\":0,"
	    "\"time_ms\":0.000,\"ttfb_ms\":0.000,\"engine\":\"serial\","
	    "\"attempts\":0,\"depth\":0,\"referrer\":null,"
	    "\"error\":\"line1\\nline2\\t\\\"q\\\"\\\\ \\ufffd\\u007f\","
	    "\"robots\":null}\n",
	    "jsonl failure with hostile text");

	is_str(csv_header(0), "url,input,final_url,status,ok,duplicate_of,"
	    "content_type,charset,bytes,chars,time_ms,ttfb_ms,engine,attempts,"
	    "depth,referrer,error,robots\r\n", "csv header");
	is_str(record(FORMAT_CSV, &ok),
	    "\"http://h/a,\"\"b\"\"\",list:3,http://h/final,200,true,,"
	    "text/html; charset=utf-8,utf-8,1234,567,12.500,3.250,serial,1,0,,"
	    ",\r\n",
	    "csv success");
	is_str(record(FORMAT_CSV, &hostile),
	    "\"http://h/\x01\",l:2,,0,false,,,,0,0,0.000,0.000,serial,0,0,,"
	    "\"line1\nline2\t\"\"q\"\"\\ \xef\xbf\xbd\x7f\",\r\n",
	    "csv failure with hostile text");
	is_str(record(FORMAT_CSV, &dup),
	    "http://h/x,l:9,,0,true,l:1,,,0,0,0.000,0.000,serial,0,0,,,\r\n",
	    "csv duplicate");

	/* A link found by --depth, failed after retries. */
	crawled.job = &link;
	is_str(record(FORMAT_TEXT, &crawled),
	    "Failed http://h/l: HTTP 503 (3 attempts)\n",
	    "text failure says how many attempts");
	is_str(record(FORMAT_JSONL, &crawled),
	    "{\"url\":\"http://h/l\",\"input\":\"l:4\",\"final_url\":null,"
	    "\"status\":503,\"ok\":false,\"duplicate_of\":null,"
	    "\"content_type\":null,\"charset\":null,\"bytes\":0,\"chars\":0,"
	    "\"time_ms\":0.000,\"ttfb_ms\":0.000,\"engine\":\"pool\","
	    "\"attempts\":3,\"depth\":2,\"referrer\":\"http://h/,\\\"p\\\"\","
	    "\"error\":\"HTTP 503\",\"robots\":null}\n",
	    "jsonl attempts, depth, referrer");
	is_str(record(FORMAT_CSV, &crawled),
	    "http://h/l,l:4,,503,false,,,,0,0,0.000,0.000,pool,3,2,"
	    "\"http://h/,\"\"p\"\"\",HTTP 503,\r\n",
	    "csv attempts, depth, referrer");

	/* --save-text and --text: text_file, then text, after the rest. */
	ok.text_file = "dir/0123456789abcdef.txt";
	ok.text = "T\xc3\xa9xt \"q\",\nline 2";
	ok.text_len = strlen(ok.text);
	is_str(csv_header(FIELD_TEXT), "url,input,final_url,status,ok,"
	    "duplicate_of,content_type,charset,bytes,chars,time_ms,ttfb_ms,"
	    "engine,attempts,depth,referrer,error,robots,text\r\n",
	    "csv header with --text: text last");
	is_str(csv_header(FIELD_TEXT_FILE | FIELD_TEXT), "url,input,final_url,"
	    "status,ok,duplicate_of,content_type,charset,bytes,chars,time_ms,"
	    "ttfb_ms,engine,attempts,depth,referrer,error,robots,text_file,text\r\n",
	    "csv header with --save-text and --text");
	is_str(record_fields(FORMAT_JSONL, FIELD_TEXT_FILE | FIELD_TEXT, &ok),
	    "{\"url\":\"http://h/a,\\\"b\\\"\",\"input\":\"list:3\","
	    "\"final_url\":\"http://h/final\",\"status\":200,\"ok\":true,"
	    "\"duplicate_of\":null,\"content_type\":\"text/html; charset=utf-8\","
	    "\"charset\":\"utf-8\",\"bytes\":1234,\"chars\":567,"
	    "\"time_ms\":12.500,\"ttfb_ms\":3.250,\"engine\":\"serial\","
	    "\"attempts\":1,\"depth\":0,\"referrer\":null,\"error\":null,"
	    "\"robots\":null,\"text_file\":\"dir/0123456789abcdef.txt\","
	    "\"text\":\"T\xc3\xa9xt \\\"q\\\",\\nline 2\"}\n",
	    "jsonl text_file and text, escaped, last");
	is_str(record_fields(FORMAT_CSV, FIELD_TEXT, &ok),
	    "\"http://h/a,\"\"b\"\"\",list:3,http://h/final,200,true,,"
	    "text/html; charset=utf-8,utf-8,1234,567,12.500,3.250,serial,1,0,,,,"
	    "\"T\xc3\xa9xt \"\"q\"\",\nline 2\"\r\n",
	    "csv text quoted, last");
	is_str(record_fields(FORMAT_JSONL, FIELD_TEXT, &bad),
	    "{\"url\":\"http://h/x\",\"input\":\"-:1\",\"final_url\":null,"
	    "\"status\":404,\"ok\":false,\"duplicate_of\":null,"
	    "\"content_type\":null,\"charset\":null,\"bytes\":0,\"chars\":0,"
	    "\"time_ms\":0.000,\"ttfb_ms\":0.000,\"engine\":\"serial\","
	    "\"attempts\":0,\"depth\":0,\"referrer\":null,"
	    "\"error\":\"HTTP 404\",\"robots\":null,\"text\":null}\n",
	    "jsonl failure: text null");
	ok.text = "x\0y";
	ok.text_len = 3;
	ok.text_file = NULL;
	ok(strstr(record_fields(FORMAT_JSONL, FIELD_TEXT_FILE | FIELD_TEXT, &ok),
	    "\"error\":null,\"robots\":null,\"text_file\":null,"
	    "\"text\":\"x\\u0000y\"}\n") != NULL,
	    "jsonl: a NUL in the text is \\u0000, and the rest follows");
	record_fields(FORMAT_CSV, FIELD_TEXT, &ok);
	ok(rb.len > 8 && memcmp(rb.data + rb.len - 8, ",\"x\0y\"\r\n", 8) == 0,
	    "csv: a NUL in the text is kept, quoted");
	is_str(record_fields(FORMAT_TEXT, FIELD_TEXT_FILE | FIELD_TEXT, &ok),
	    "Fetched 567 characters from http://h/a,\"b\"\n",
	    "the text format has neither field");
	/* Not requested: robots.txt could not be fetched. */
	is_str(record(FORMAT_TEXT, &unreach),
	    "Failed http://h/u: Connection refused (robots.txt could not be"
	    " fetched)\n", "text: the cause first, robots.txt after it");
	is_str(record(FORMAT_JSONL, &unreach),
	    "{\"url\":\"http://h/u\",\"input\":\"l:5\",\"final_url\":null,"
	    "\"status\":0,\"ok\":false,\"duplicate_of\":null,"
	    "\"content_type\":null,\"charset\":null,\"bytes\":0,\"chars\":0,"
	    "\"time_ms\":0.000,\"ttfb_ms\":0.000,\"engine\":\"async\","
	    "\"attempts\":0,\"depth\":0,\"referrer\":null,"
	    "\"error\":\"Connection refused (robots.txt could not be fetched)\","
	    "\"robots\":\"unreachable\"}\n", "jsonl robots, the last field");
	is_str(record(FORMAT_CSV, &unreach),
	    "http://h/u,l:5,,0,false,,,,0,0,0.000,0.000,async,0,0,,"
	    "Connection refused (robots.txt could not be fetched),unreachable"
	    "\r\n", "csv robots, the last column");

	/* --depth: links_cut, before text_file and text; null when not cut. */
	is_str(csv_header(FIELD_LINKS_CUT | FIELD_TEXT_FILE | FIELD_TEXT),
	    "url,input,final_url,status,ok,duplicate_of,content_type,charset,"
	    "bytes,chars,time_ms,ttfb_ms,engine,attempts,depth,referrer,error,"
	    "robots,links_cut,text_file,text\r\n",
	    "csv header with --depth: links_cut first of the optional ones");
	is_str(csv_header(FIELD_LINKS_CUT), "url,input,final_url,status,ok,"
	    "duplicate_of,content_type,charset,bytes,chars,time_ms,ttfb_ms,"
	    "engine,attempts,depth,referrer,error,robots,links_cut\r\n",
	    "csv header with --depth");
	ok.text = NULL;
	ok.text_len = 0;
	ok.links_cut = 13975;
	ok(strstr(record_fields(FORMAT_JSONL, FIELD_LINKS_CUT | FIELD_TEXT,
	    &ok), ",\"referrer\":null,\"error\":null,\"robots\":null,"
	    "\"links_cut\":13975,\"text\":null}\n") != NULL,
	    "jsonl links_cut: the links the page had, after robots");
	is_str(record_fields(FORMAT_CSV, FIELD_LINKS_CUT | FIELD_TEXT, &ok),
	    "\"http://h/a,\"\"b\"\"\",list:3,http://h/final,200,true,,"
	    "text/html; charset=utf-8,utf-8,1234,567,12.500,3.250,serial,1,0,,"
	    ",,13975,\r\n", "csv links_cut");
	is_str(record_fields(FORMAT_TEXT, FIELD_LINKS_CUT, &ok),
	    "Fetched 567 characters from http://h/a,\"b\" (13975 links: only"
	    " the first --max-links followed)\n", "text: links cut, said last");
	ok.links_cut = 0;
	is_str(record_fields(FORMAT_CSV, FIELD_LINKS_CUT, &ok),
	    "\"http://h/a,\"\"b\"\"\",list:3,http://h/final,200,true,,"
	    "text/html; charset=utf-8,utf-8,1234,567,12.500,3.250,serial,1,0,,"
	    ",,\r\n", "csv links_cut empty when none were cut");
	ok(strstr(record_fields(FORMAT_JSONL, FIELD_LINKS_CUT, &ok),
	    "\"robots\":null,\"links_cut\":null}\n") != NULL,
	    "jsonl links_cut null when none were cut");

	/* --state: not_modified, changed, skipped and replayed, after links_cut. */
	is_str(csv_header(FIELD_LINKS_CUT | FIELD_STATE), "url,input,final_url,"
	    "status,ok,duplicate_of,content_type,charset,bytes,chars,time_ms,"
	    "ttfb_ms,engine,attempts,depth,referrer,error,robots,links_cut,"
	    "not_modified,changed,skipped,replayed\r\n",
	    "csv header with --state: replayed the last of its columns");
	ok(strstr(record_fields(FORMAT_JSONL, FIELD_STATE, &ok),
	    "\"robots\":null,\"not_modified\":false,\"changed\":null,"
	    "\"skipped\":null,\"replayed\":false}\n") != NULL,
	    "jsonl --state: replayed false for a record of this attempt");
	ok.replayed = true;
	ok(strstr(record_fields(FORMAT_JSONL, FIELD_STATE, &ok),
	    "\"skipped\":null,\"replayed\":true}\n") != NULL,
	    "jsonl --state: replayed true for a record rebuilt from the state");
	is_str(record_fields(FORMAT_CSV, FIELD_STATE, &ok),
	    "\"http://h/a,\"\"b\"\"\",list:3,http://h/final,200,true,,"
	    "text/html; charset=utf-8,utf-8,1234,567,12.500,3.250,serial,1,0,,"
	    ",,false,,,true\r\n", "csv --state: replayed true");
	is_str(record_fields(FORMAT_TEXT, FIELD_STATE, &ok),
	    "Fetched 567 characters from http://h/a,\"b\" (replayed)\n",
	    "text: a replay says so, last");
	hostile.replayed = true;
	ok(strstr(record_fields(FORMAT_TEXT, 0, &hostile), "\\x7f (replayed)\n")
	    != NULL, "text: a failure's replay says so after the error");
	ok.replayed = hostile.replayed = false;

	/*
	 * format_interrupted(): a record a stop cut, in each format, is
	 * found (a URL with a comma and quotes, retried twice, --state's
	 * columns); a success, another error and a bad line's message that
	 * names a stop are not; a CSV line inside a quoted field never is.
	 */
	{
		static const enum format fmts[] = { FORMAT_TEXT, FORMAT_JSONL,
		    FORMAT_CSV };
		static const char *const names[] = { "text", "jsonl", "csv" };
		char e1[] = "interrupted by SIGTERM";
		char e2[] = "not started: interrupted by SIGINT";
		char e3[] = "list:3: interrupted by SIGTERM";
		char e4[] = "timed out";
		struct result cut = ok;
		const char *l;
		bool q;
		size_t i;

		cut.ok = false;
		cut.status = 0;
		cut.attempts = 2;
		for (i = 0; i < 3; i++) {
			q = false;
			cut.error = e1;
			l = record_fields(fmts[i], FIELD_STATE, &cut);
			ok(format_interrupted(fmts[i], l, strlen(l), &q) && !q,
			    "%s: interrupted by SIGTERM: cut", names[i]);
			cut.error = e2;
			l = record_fields(fmts[i], FIELD_STATE, &cut);
			ok(format_interrupted(fmts[i], l, strlen(l), &q),
			    "%s: not started: interrupted by SIGINT: cut",
			    names[i]);
			cut.error = e3;
			l = record_fields(fmts[i], FIELD_STATE, &cut);
			ok(!format_interrupted(fmts[i], l, strlen(l), &q),
			    "%s: a bad line's error naming a stop: not cut",
			    names[i]);
			cut.error = e4;
			l = record_fields(fmts[i], FIELD_STATE, &cut);
			ok(!format_interrupted(fmts[i], l, strlen(l), &q),
			    "%s: timed out: not cut", names[i]);
			l = record_fields(fmts[i], FIELD_STATE, &ok);
			ok(!format_interrupted(fmts[i], l, strlen(l), &q) && !q,
			    "%s: a success: not cut", names[i]);
		}
		q = false;
		l = "http://h/,list:1,,0,false,,,,0,0,0,0,serial,1,0,,\"a\r\n";
		ok(!format_interrupted(FORMAT_CSV, l, strlen(l), &q) && q,
		    "csv: a quoted field that goes on to the next line");
		l = ",,,,,,,,,,,,,,,,interrupted by SIGTERM,b\"\r\n";
		ok(!format_interrupted(FORMAT_CSV, l, strlen(l), &q) && !q,
		    "csv: the line that ends it is not a record of its own");
	}

	free(rb.data);
	free(fmt(json_string, "")); /* the static buffer of fmt() */
	return done_testing();
}
