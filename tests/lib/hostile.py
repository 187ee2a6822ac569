#!/usr/bin/python3
"""Helper of tests/integration/hostile.sh: the hostile cases, the checks of their
records, and measurements. Standard library only.

  hostile.py servers BASE RAW HANG BROTLI LIST CASES   write the server cases
  hostile.py pages BASE LIST CASES                     write the parser attacks
  hostile.py check LIST CASES RECORDS LABEL TIMEOUT_MS SLACK_MS
      check one run's JSONL records against the cases; prints one line per
      assertion, "PASS<TAB>what" or "FAIL<TAB>what<TAB>why"
  hostile.py measure OUT CMD...     run CMD; write "wall_s maxrss_kb status"
      (maxrss of the largest process of the tree: pscrape or a worker)
  hostile.py binlist SRC DST        SRC with "http" made harmless: a binary
      list that can never name a real URL; prints the records it must give
  hostile.py csvcheck FILE N        FILE is RFC 4180 CSV: header, N rows of 17
  hostile.py jsonl FILE             every line of FILE is one JSON object;
      prints the number of lines
"""
import csv
import gzip
import itertools
import json
import os
import re
import resource
import string
import subprocess
import sys
import time
import urllib.parse as up
import zlib

TIMEOUT = r"Operation timed out after \d+ milliseconds with 0 bytes received"
# --max-size of the run: the default, or HOSTILE_MAX_SIZE bytes when
# hostile.sh lowers it (under ThreadSanitizer, where bodies come slowly).
MAX_SIZE = int(os.environ.get("HOSTILE_MAX_SIZE", "10485760"))
MAXSIZE = r"body exceeds --max-size \(%d bytes\)" % MAX_SIZE
NOTHTTP = r"not an HTTP response \(Received HTTP/0\.9 when not allowed\)"
HEADERS = "headers too large (over 256 KiB)"
REFUSED = "redirect to a scheme other than http or https refused: "
GZIPPED = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" \
    "Content-Encoding: %s\r\n\r\n"
BADGZIP = "bad gzip content encoding from server (multi-member or trailing" \
    " data)"
CHUNKED = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" \
    "Transfer-Encoding: chunked\r\n\r\n"


def q(v):
    if isinstance(v, str):
        v = v.encode("latin-1")
    return up.quote(v, safe="")


def case(name, url, slow="", **expect):
    """slow: "T" ends by --timeout, "C" by --connect-timeout."""
    return {"name": name, "url": url, "slow": slow, "expect": expect}


def err(regex, **kw):
    return dict(error=regex, **kw)


def servers(base, raw, hang, brotli):
    port = base.rsplit(":", 1)[1]
    rawport = raw.rsplit(":", 1)[1]

    def say(head, body=None, then="close"):
        """The server closes after (then="close"), and says so in every
        response head: curl must not reuse the connection (one request a
        connection, and a request sent as it closes meets a reset)."""
        if then == "close":
            if isinstance(head, str):
                head = head.encode("latin-1")
            head = re.sub(rb"(HTTP/1\.1 [^\r]*\r\n)(?=.)",
                          rb"\1Connection: close\r\n", head, flags=re.S)
        u = raw + "/raw/say?head=" + q(head)
        if body is not None:
            u += "&body=" + q(body)
        return u + "&then=" + then

    c = [
        case("a server that never answers", raw + "/raw/silent", "T",
             error=TIMEOUT, status=0),
        case("a server answering one byte every 200 ms", raw + "/raw/drip",
             "T", error=TIMEOUT),
        case("a body dripping one byte every 200 ms",
             raw + "/raw/drip?part=body", "T",
             error=r"Operation timed out after \d+ milliseconds with \d+"
             r" out of 41 bytes received", status=200),
        case("a reset during the headers", raw + "/raw/reset?at=head",
             error=r"Recv failure: Connection reset by peer"),
        case("a reset during the body", raw + "/raw/reset?at=body",
             error=r"Recv failure: Connection reset by peer"),
        case("a close before Content-Length is reached", raw + "/raw/short",
             error=r"transfer closed with 99000 bytes remaining to read"),
        case("a close without a byte", raw + "/raw/empty",
             error=r"Empty reply from server"),
        case("a chunk size that is not hex",
             say(CHUNKED, "5\r\nhello\r\nzz\r\n"),
             error=r"Illegal or missing hexadecimal sequence in"
             r" chunked-encoding"),
        case("a chunk size that overflows",
             say(CHUNKED, "fffffffffffffffffffff\r\nhello"),
             error=r"Too long hexadecimal number in chunked-encoding"),
        case("a chunk without its CRLF",
             say(CHUNKED, "5\r\nhelloXX3\r\nabc\r\n0\r\n\r\n"),
             error=r"Malformed encoding found in chunked-encoding"),
        case("a chunked body cut short", say(CHUNKED, "10\r\nabc", "close"),
             error=r"transfer closed with outstanding read data remaining"),
        case("an endless chunked body", raw + "/raw/endless?chunked=1",
             error=MAXSIZE),
        case("an endless body ended by a close that never comes",
             raw + "/raw/endless", error=MAXSIZE),
        case("an SSH banner", say("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
                                  then="hang"),
             error=NOTHTTP),
        case("random bytes", raw + "/raw/garbage?n=4096", error=NOTHTTP),
        case("one header of 1 MB", raw + "/raw/bighead?n=1048576",
             error=r"Out of memory \(libcurl says so when a response header"
             r" line is over 102400 bytes\)"),
        # pscrape's own bound on header and trailer bytes (libcurl's
        # per-response one, where it has one, is 300 KiB).
        case("100,000 headers", raw + "/raw/manyheads?n=100000",
             error_is=HEADERS, status=200),
        case("endless trailer lines after a chunked body",
             raw + "/raw/endless?trailers=1", error_is=HEADERS, status=200,
             bytes=41),
        # libcurl's decoder refuses bytes after the end of the compressed
        # stream with the error of a failed local write.
        case("two gzip members back to back", say(
            GZIPPED % "gzip", gzip.compress(b"<p>one</p>", mtime=0) +
            gzip.compress(b"<p>two</p>", mtime=0)),
            error_is=BADGZIP, status=200),
        case("gzip, then garbage", say(
            GZIPPED % "gzip", gzip.compress(b"<p>one</p>", mtime=0) +
            b"garbage"), error_is=BADGZIP, status=200),
        case("deflate, then garbage", say(
            GZIPPED % "deflate", zlib.compress(b"<p>one</p>") + b"garbage"),
            error_is="bad deflate content encoding from server (trailing"
            " data)", status=200),
        case("status 999",
             say("HTTP/1.1 999 Odd\r\nContent-Length: 5\r\n\r\n", "hello"),
             error=r"HTTP 999", status=999),
        case("status 600",
             say("HTTP/1.1 600 X\r\nContent-Length: 5\r\n\r\n", "hello"),
             error=r"HTTP 600", status=600),
        case("status 0",
             say("HTTP/1.1 0 Zero\r\nContent-Length: 5\r\n\r\n", "hello"),
             error=r"Unsupported response code in HTTP response"),
        case("status 000",
             say("HTTP/1.1 000 Zero\r\nContent-Length: 5\r\n\r\n", "hello"),
             error=r"Unsupported response code in HTTP response"),
        case("status abc",
             say("HTTP/1.1 abc\r\nContent-Length: 5\r\n\r\n", "hello"),
             error=r"Unsupported HTTP version in response"),
        case("only a 100 Continue, then a close",
             say("HTTP/1.1 100 Continue\r\n\r\n"),
             error=r"Empty reply from server"),
        case("only a 100 Continue, then silence",
             say("HTTP/1.1 100 Continue\r\n\r\n", then="hang"), "T",
             error=TIMEOUT),
        case("a 101 and a body", say("HTTP/1.1 101 Switching Protocols\r\n"
             "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n", "hello",
             "close"), error=r"HTTP 101 and no final response", status=101),
        case("a 103, then the 200", say("HTTP/1.1 103 Early Hints\r\n"
             "Link: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
             "hello"), ok=True, chars=5, status=200),
        case("429 with Retry-After: 120", base + "/status/429?retry-after=120",
             error=r"HTTP 429 \(Retry-After: 120 s\)", status=429),
        case("503 with a Retry-After date in the past",
             base + "/status/503?retry-after=" +
             q("Wed, 21 Oct 2015 07:28:00 GMT"),
             error=r"HTTP 503", status=503),
        case("503 with a Retry-After of 3000 years",
             base + "/status/503?retry-after=99999999999",
             error=r"HTTP 503 \(Retry-After: 99999999999 s\)", status=503),
        # libcurl words a connect timeout two ways, by the step it was in
        # when the timer fired (the second when the machine is loaded).
        case("a port where connecting hangs", hang + "/", "C",
             error=r"(Failed to connect to 127\.0\.0\.1 port \d+ after \d+ ms:"
             r" Timeout was reached|Connection timeout after \d+ ms)",
             status=0),
        case("a gzip bomb (1 GiB)", base + "/gzipbomb/1073741824",
             error=MAXSIZE, bytes=MAX_SIZE),
        case("a redirect loop", base + "/loop",
             error=r"Maximum \(10\) redirects followed"),
        case("a redirect without Location", base + "/redirect-nolocation",
             error=r"HTTP 301 redirect without a Location", status=301),
        case("a chain of 3 redirects", base + "/redirect/3", ok=True, chars=6),
        case("a redirect to HTTP: in capitals", base + "/redirect-to?url=" +
             q("HTTP://127.0.0.1:%s/status/200?via=capitals" % port),
             ok=True, chars=10),
        case("binary content", base + "/bytes/4096", ok=True, chars=0,
             content_type="image/png"),
        case("JSON content", base + "/status/200?ct=application/json",
             ok=True, chars=0, content_type="application/json"),
        # Server-controlled bytes in an error text and a header: the JSON
        # string must give them back, control bytes and all, with U+FFFD
        # for what is not UTF-8.
        case("a Location with quotes and control bytes", say(
            b"HTTP/1.1 302 Found\r\nLocation: javascript:alert(\"x\x01\x1b[31m"
            b"'\\\")\x7f\xff\r\nContent-Length: 0\r\n\r\n"),
            error_is=REFUSED + "javascript:alert(\"x\x01\x1b[31m'\\\")"
            "\x7f\ufffd", status=302),
        case("a Content-Type with quotes and control bytes", say(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=\"x\x01"
            b"\x1b\"'\\\x7f\xff\r\nContent-Length: 5\r\n\r\n", "hello"),
            ok=True, chars=5,
            content_type="text/html; charset=\"x\x01\x1b\"'\\\x7f\ufffd"),
    ]
    if brotli:
        c.append(case("a brotli bomb (1 GiB)", base + "/brbomb/1073741824",
                      error=MAXSIZE, bytes=MAX_SIZE))
    # Redirects to every other scheme: refused, and never followed (the
    # "leak" requests must never reach the test server: hostile.sh greps
    # its log).
    for target in [
            "file:///etc/passwd",
            "FILE:///etc/passwd",
            "ftp://127.0.0.1:%s/leak-ftp" % rawport,
            "gopher://127.0.0.1:%s/_GET%%20/leak-gopher%%20HTTP/1.0%%0D%%0A"
            "%%0D%%0A" % port,
            "dict://127.0.0.1:%s/d:leak-dict" % rawport,
            "data:text/html,<p>leak-data",
            "javascript:alert('leak')",
            "telnet://127.0.0.1:%s/leak" % rawport,
            "ldap://127.0.0.1:%s/leak" % rawport,
            "smb://127.0.0.1:%s/leak" % rawport,
            "scp://127.0.0.1:%s/leak" % rawport,
            "tftp://127.0.0.1:%s/leak" % rawport,
            "mailto:leak@example.invalid"]:
        c.append(case("a redirect to " + target.split(":")[0], base +
                      "/redirect-to?url=" + q(target),
                      error_is=REFUSED + target, status=302))
    return c


def pages(base):
    def gen(name, ct=None, **kw):
        parts = []
        for k in ("pre", "a", "n", "b", "m", "post"):
            if k in kw:
                v = kw[k]
                parts.append(k + "=" + (str(v) if isinstance(v, int) else
                                        q(v)))
        if ct is not None:
            parts.append("ct=" + q(ct))
        return base + "/gen?" + "&".join(parts)

    def too_complex(mb):
        return r"page too complex to parse: the HTML parser needs more" \
            r" than %d MB for it" % mb

    return [
        case("300,000 unclosed span", gen("span", a="<span>x", n=300000),
             ok=True, chars=300000),
        case("1,400,000 unclosed span (9.8 MB)",
             gen("span", a="<span>x", n=1400000), ok=True, chars=1400000),
        case("100,000 nested div", gen("div", a="<div>x", n=100000,
             b="</div>", m=100000), ok=True, chars=100000),
        case("30,000 x 10 unclosed formatting elements", gen(
            "kinds", a="<b><i><u><s><em><strong><a href=#><font><nobr>"
            "<code>x", n=30000), ok=True, chars=30000),
        case("20,000 nested tables", gen("table", a="<table><tr><td>x",
             n=20000), ok=True, chars=20000),
        case("50,000 nested lists", gen("list", a="<ul><li>x", n=50000),
             ok=True, chars=50000),
        case("50,000 nested SVG", gen("svg", a="<svg><g>x", n=50000),
             ok=True, chars=50000),
        case("50,000 nested MathML", gen("math", a="<math><mi>x", n=50000),
             ok=True, chars=50000),
        case("50,000 reopened formatting", gen("reopen", a="<p><b><i><u>x",
             n=50000), ok=True, chars=50000),
        case("50,000 nested select", gen("select", a="<select><option>x",
             n=50000), ok=True, chars=50000),
        case("500,000 attributes on one tag", gen(
            "attrs", pre="<div ", a="a=1 ", n=500000, post=">x</div>"),
            ok=True, chars=1),
        # html.parser (Debian's 3.11.2-6+deb12u9) drops a comment or a tag
        # that never ends, makes text of a reference at the very end
        # ("&nbsp"), and <plaintext> is an ordinary tag to it. bs4 4.11
        # counts these numbers.
        case("a 5 MB comment never closed", gen("comment", pre="<!--",
             a="x", n=5000000), ok=True, chars=0),
        case("a 5 MB script never closed", gen("script", pre="<script>",
             a="x", n=5000000), ok=True, chars=0),
        case("a 5 MB tag name", gen("tagname", pre="<", a="a", n=5000000,
             post=">x"), ok=True, chars=1),
        case("a 5 MB attribute value never closed", gen(
            "attrquote", pre="<div title=\"", a="x", n=5000000),
            ok=True, chars=0),
        case("3 MB of plaintext", gen("plaintext", pre="<plaintext>",
             a="<b>", n=1000000), ok=True, chars=0),
        case("300,000 x 4 character references", gen(
            "entities", a="&amp;&lt;&#x1F600;&nbsp", n=300000),
            ok=True, chars=1200004),
        case("1,000,000 NUL bytes", gen("nul", pre="<p>", a="\0x",
             n=1000000), ok=True, chars_min=1000000, chars_max=2000000),
        case("invalid UTF-8 labelled UTF-8", gen(
            "badutf8", ct="text/html; charset=utf-8", pre="<p>",
            a=b"\xff\xfe\xc3(", n=1000000), ok=True, chars=4000000,
            charset="utf-8"),
        case("windows-1252 labelled UTF-8", gen(
            "mislabel", ct="text/html; charset=utf-8", pre="<p>",
            a=b"caf\xe9 ", n=100000), ok=True, chars=500000,
            charset="utf-8"),
        case("an unknown charset label", gen(
            "bogus", ct="text/html; charset=x-no-such-thing", pre="<p>",
            a="x", n=100000), ok=True, chars=100000,
            charset="windows-1252"),
        case("a meta charset of utf-16 on ASCII", gen(
            "metautf16", pre="<meta charset=\"utf-16\"><p>", a="x",
            n=100000), ok=True, chars=100000, charset="utf-8"),
        case("UTF-16LE with a BOM", gen(
            "utf16bom", pre=b"\xff\xfe", a=b"<\0p\0>\0x\0", n=100000),
            ok=True, chars=100000, charset="utf-16le"),
        case("UTF-16BE labelled, no BOM", gen(
            "utf16be", ct="text/html; charset=utf-16be", a=b"\0<\0p\0>\0x",
            n=100000), ok=True, chars=100000, charset="utf-16be"),
        case("UTF-16LE unlabelled, no BOM", gen(
            "utf16nobom", a=b"<\0p\0>\0x\0", n=100000), ok=True,
            charset="windows-1252"),
        case("5 MB of binary labelled text/html",
             base + "/bytes/5000000?ct=text/html", ok=True),
        case("1 MB of binary labelled Shift_JIS", base +
             "/bytes/1000000?ct=" + q("text/html; charset=shift_jis"),
             ok=True, charset="shift_jis"),
        case("1,000,000 <i></i>", gen("tiny", a="<i></i>", n=1000000),
             error=too_complex(128)),
        case("2,500,000 <br> (10 MB)", gen("br", a="<br>", n=2500000),
             error=too_complex(152)),
    ]


def write_cases(cases, listfile, casefile):
    with open(listfile, "w") as f:
        for c in cases:
            f.write(c["url"] + "\n")
    with open(casefile, "w") as f:
        json.dump(cases, f)


def check(listfile, casefile, recfile, label, tmo_ms, slack_ms):
    cases = json.load(open(casefile))
    out = []

    def res(good, what, why=""):
        out.append(("PASS" if good else "FAIL", label + ": " + what, why))

    recs, bad = {}, []
    for n, line in enumerate(open(recfile, "rb"), 1):
        try:
            r = json.loads(line.decode("utf-8"))
            recs.setdefault(r["input"], []).append(r)
        except (ValueError, KeyError, UnicodeDecodeError) as e:
            bad.append("line %d: %s" % (n, e))
    res(not bad, "every record is valid JSON (UTF-8)", "; ".join(bad[:3]))
    want = ["%s:%d" % (listfile, i) for i in range(1, len(cases) + 1)]
    extra = sorted(set(recs) - set(want))
    twice = [k for k, v in recs.items() if len(v) > 1]
    res(not extra and not twice and set(want) <= set(recs),
        "exactly one record per URL (%d)" % len(cases),
        "missing %s, twice %s, extra %s" % (
            [k for k in want if k not in recs][:5], twice[:5], extra[:5]))
    for i, c in enumerate(cases, 1):
        r = recs.get("%s:%d" % (listfile, i), [None])[0]
        e = c["expect"]
        what = c["name"]
        if r is None:
            res(False, what, "no record")
            continue
        why = []
        if "error" in e:
            if r["ok"] or r["error"] is None or \
                    not re.fullmatch(e["error"], r["error"]):
                why.append("error %r, want /%s/" % (r["error"], e["error"]))
        if "error_is" in e and r["error"] != e["error_is"]:
            why.append("error %r, want %r" % (r["error"], e["error_is"]))
        if e.get("ok") and (not r["ok"] or r["error"] is not None):
            why.append("failed: %r" % r["error"])
        for k in ("chars", "status", "charset", "content_type", "bytes"):
            if k in e and r[k] != e[k]:
                why.append("%s %r, want %r" % (k, r[k], e[k]))
        if "chars_min" in e and not \
                e["chars_min"] <= r["chars"] <= e["chars_max"]:
            why.append("chars %r, want %d..%d" % (r["chars"], e["chars_min"],
                                                  e["chars_max"]))
        if r["time_ms"] > tmo_ms + slack_ms:
            why.append("took %.0f ms, over --timeout %d ms" % (r["time_ms"],
                                                              tmo_ms))
        if r["url"] != c["url"]:
            why.append("url %r" % r["url"])
        res(not why, what + (": " + r["error"] if r["error"] else
                             ": %d characters" % r["chars"]), "; ".join(why))
    for st, what, why in out:
        print("\t".join((st, what.replace("\t", " "),
                         why.replace("\t", " ").replace("\n", "\\n"))))


def measure(outfile, argv):
    t = time.monotonic()
    st = subprocess.call(argv)
    wall = time.monotonic() - t
    kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(outfile, "w") as f:
        f.write("%.2f %d %d\n" % (wall, kb, st))
    return st


def tree_pss(pid):
    """The proportional set size of pid and its descendants, in KB."""
    total = 0
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                for c in f.read().split():
                    total += tree_pss(int(c))
    except OSError:
        pass
    return total


def measure_tree(outfile, argv):
    """As measure(), but the peak is that of the run's whole process
    tree (parent and workers), sampled every 10 ms from /proc: the
    memory of the run, shared pages counted once."""
    t = time.monotonic()
    p = subprocess.Popen(argv)
    peak = 0
    while p.poll() is None:
        peak = max(peak, tree_pss(p.pid))
        time.sleep(0.01)
    wall = time.monotonic() - t
    with open(outfile, "w") as f:
        f.write("%.2f %d %d\n" % (wall, peak, p.returncode))
    return p.returncode


def binlist(src, dst):
    """A copy of a binary file, and the records pscrape must make of it:
    the rules of src/urllist.c (8255 bytes kept a line, 8192 allowed)."""
    data = open(src, "rb").read().replace(b"http", b"xttp")
    open(dst, "wb").write(data)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    n = 0
    for i, line in enumerate(lines):
        if i == 0 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        toolong = len(line) > 8255
        t = line[:8255].strip(b" \t\r\v\f")
        if toolong or len(t) > 8192 or (t and not t.startswith(b"#")):
            n += 1
    print(n)


def csvcheck(path, nrows):
    rows = list(csv.reader(open(path, newline="", encoding="utf-8")))
    hdr = "url,input,final_url,status,ok,duplicate_of,content_type," \
        "charset,bytes,chars,time_ms,ttfb_ms,engine,attempts,depth," \
        "referrer,error,robots".split(",")
    good = rows and rows[0] == hdr and len(rows) == nrows + 1 and \
        all(len(r) == 18 for r in rows)
    print("ok" if good else "bad: %d rows, widths %s" % (
        len(rows), sorted(set(len(r) for r in rows))))


def jsonl(path):
    n = 0
    for line in open(path, "rb"):
        json.loads(line.decode("utf-8"))
        n += 1
    print(n)


def fnvflood(prefix, stages, bits, dst):
    """2^stages URLs whose FNV-1a 64 hashes share their low `bits` bits: the
    low bits of FNV-1a's state depend only on the low bits before and the
    bytes (xor, and a multiply that carries upwards), so a chain of pairs
    of 3-letter blocks that each take one state to the same low bits (a
    birthday search, ~2^(bits/2) tries a stage) spells them all."""
    abc = string.ascii_letters + string.digits
    mask = (1 << bits) - 1

    def step(h, s):
        for c in s.encode():
            h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
        return h

    h = step(0xcbf29ce484222325, prefix)
    pairs = []
    for _ in range(stages):
        seen = {}
        for blk in itertools.product(abc, repeat=3):
            blk = "".join(blk)
            t = step(h, blk) & mask
            if t in seen:
                pairs.append((seen[t], blk))
                h = t
                break
            seen[t] = blk
    with open(dst, "w") as f:
        for choice in itertools.product(*pairs):
            f.write(prefix + "".join(choice) + "\n")


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "servers":
        write_cases(servers(a[0], a[1], a[2], a[3] == "1"), a[4], a[5])
    elif cmd == "pages":
        write_cases(pages(a[0]), a[1], a[2])
    elif cmd == "check":
        check(a[0], a[1], a[2], a[3], int(a[4]), int(a[5]))
    elif cmd == "measure":
        sys.exit(measure(a[0], a[1:]))
    elif cmd == "measure_tree":
        sys.exit(measure_tree(a[0], a[1:]))
    elif cmd == "binlist":
        binlist(a[0], a[1])
    elif cmd == "fnvflood":
        fnvflood(a[0], int(a[1]), int(a[2]), a[3])
    elif cmd == "csvcheck":
        csvcheck(a[0], int(a[1]))
    elif cmd == "jsonl":
        try:
            jsonl(a[0])
        except (ValueError, UnicodeDecodeError) as e:
            print("invalid: %s" % e)
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
