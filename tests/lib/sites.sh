# Crawl fixtures for tests/lib/httpd --sites, sourced by the tests: make_sites
# DIR writes one subdirectory per site. In .html files tests/lib/httpd turns
# {{SITE_name}} into http://127.0.0.1:PORT of site name at serve time, so
# pages can link across hosts (politeness counts scheme + host + port, so
# each site is a host of its own). Page texts are fixed, so pscrape's
# "chars" of each page is known whatever the ports (bytes: for the pages
# with a {{SITE_x}}, with a 5-digit port):
#
#   site path               bytes chars    site path              bytes chars
#   a    /                    425    69    b    /                   238    51
#   a    /a1.html             199    43    b    /p1.html             75    14
#   a    /a2.html             159    32    b    /privateer.html      90    29
#   a    /docs/               159    27    b    /private/secret.html 88    27
#   a    /docs/x.html         129    18    r404 /                   110    24
#   a    /docs/z.html         116    34    r404 /page.html           84    23
#   a    /docs/sub/y.html     130    27    r500 /                   109    23
#   a    /docs/sub/w.html      99    17    r500 /page.html           84    23
#   a    /deep/d1.html        103    14    slow /                   161    27
#   a    /deep/d2.html         93    16    slow /s1.html             73    12
#   a    /notes.txt            17     0    slow /s2.html             73    12
#                                          slow /nope/n.html         74    13
#   big  /public.html          80    19    big  /private-early.html  92    31
#   big  /private-bXYZ.html    89    28    big  /late.html           97    36
#   big  /private-but-this-one-is-public.html 103    42
#   r429 /                   107    21    r429 /page.html           84    23
#
#   a     no robots.txt (404: everything allowed). The crawl graph:
#         /                 -> /a1.html /a2.html /docs/x.html
#                              /docs/sub/y.html, SITE_b/ (another host),
#                              #top, /a1.html#part (= /a1.html), mailto:,
#                              javascript:, ftp: (none of these followed)
#         /a1.html          -> / (a cycle), /a2.html, /deep/d1.html,
#                              /missing.html (404)
#         /a2.html          <base href="/docs/">: z.html is /docs/z.html
#                              (/z.html does not exist), ../a1.html
#         /docs/            (index.html) -> x.html, sub/y.html, ../a1.html
#         /docs/x.html      -> sub/y.html, ../a1.html
#         /docs/z.html      -> x.html
#         /docs/sub/y.html  -> ../../ (= /), w.html (/docs/sub/w.html)
#         /docs/sub/w.html  -> /docs/
#         /deep/d1.html     -> /deep/d2.html
#         /deep/d2.html     -> /
#         /notes.txt        text/plain, {{SITE_b}} left as it is
#   b     robots.txt with groups for otherbot (Disallow: /), pscrape
#         (Disallow: /private/) and * (Disallow: /): pscrape must take its
#         own group. / -> /p1.html /private/secret.html /privateer.html
#         SITE_a/; the other pages link nowhere. /private/secret.html
#         exists: if it is ever requested, the log shows it.
#   big   a robots.txt of 614,438 bytes, past the 500 KiB (512,000 bytes)
#         RFC 9309 has a crawler read: "User-agent: *", "Disallow: /private",
#         "Allow: /private-early", comment lines, then a line
#         "Allow: /private-but-this-one-is-public" that the limit cuts:
#         its bytes 512,000 - 17 to 512,000 - 1 (0-based) are
#         "Allow: /private-b", byte 512,000 the 'u' after them. Past it,
#         comment lines and "Disallow: /late". No page links anywhere; every
#         page exists, so a request for one the rules forbid is a 200 in
#         the log.
#   r404  robots.status 404 (and a robots.txt disallowing all, never
#         served): everything allowed. / -> /page.html
#   r500  robots.status 500: everything blocked. / -> /page.html
#   r429  robots.status 429 and robots.flaky 1: the first /robots.txt
#         (after /flaky-reset/robots.r429) answers 429, the later ones
#         robots.txt "User-agent: *", "Disallow: /no/". / -> /page.html
#   slow  robots.delay 300 (/robots.txt answers after 300 ms), robots.txt
#         "User-agent: *", "Crawl-delay: 1", "Disallow: /nope/".
#         / -> /s1.html /s2.html /nope/n.html
#
# Every page is <html><head><title>T</title></head><body><p>TEXT</p>
# LINKS</body></html> on one line plus a newline, links as
# <a href="H">L</a> separated by one space.

# page FILE TITLE TEXT [HREF LABEL]...
page() {
	_f=$1 _t=$2 _x=$3
	shift 3
	mkdir -p "$(dirname "$_f")"
	{
		printf '<html><head><title>%s</title></head><body><p>%s</p>' \
		    "$_t" "$_x"
		_sep=
		while [ $# -ge 2 ]; do
			printf '%s<a href="%s">%s</a>' "$_sep" "$1" "$2"
			_sep=' '
			shift 2
		done
		printf '</body></html>\n'
	} >"$_f"
}

make_sites() {	# make_sites DIR
	_d=$1
	mkdir -p "$_d/a" "$_d/b" "$_d/big" "$_d/r404" "$_d/r500" "$_d/slow" \
	    "$_d/r429"

	page "$_d/a/index.html" "Site A" "Welcome to site A." \
	    /a1.html one a2.html two /docs/x.html x /docs/sub/y.html y \
	    '{{SITE_b}}/' "site b" '#top' top /a1.html#part "one again" \
	    mailto:a@example.invalid mail 'javascript:void(0)' js \
	    ftp://127.0.0.1/file ftp
	page "$_d/a/a1.html" "A1" "Page one of site A." \
	    / home /a2.html two /deep/d1.html deep /missing.html missing
	# The base element comes before the body: written by hand.
	printf '%s\n' '<html><head><title>A2</title><base href="/docs/"></head><body><p>Page two, based in docs.</p><a href="z.html">z</a> <a href="../a1.html">one</a></body></html>' \
	    >"$_d/a/a2.html"
	page "$_d/a/docs/index.html" "Docs" "The docs index." \
	    x.html x sub/y.html y ../a1.html one
	page "$_d/a/docs/x.html" "X" "Document x." sub/y.html y ../a1.html one
	page "$_d/a/docs/z.html" "Z" "Document z, found through base." \
	    x.html x
	page "$_d/a/docs/sub/y.html" "Y" "Document y, deeper." \
	    ../../ home w.html w
	page "$_d/a/docs/sub/w.html" "W" "Document w." /docs/ docs
	page "$_d/a/deep/d1.html" "D1" "Deep one." /deep/d2.html d2
	page "$_d/a/deep/d2.html" "D2" "Deep two." / home
	printf '%s\n' 'notes {{SITE_b}}' >"$_d/a/notes.txt"

	printf '%s\n' '# Only the pscrape group applies to pscrape.' \
	    'User-agent: otherbot' 'Disallow: /' '' \
	    'User-agent: pscrape' 'Disallow: /private/' '' \
	    'User-agent: *' 'Disallow: /' >"$_d/b/robots.txt"
	page "$_d/b/index.html" "Site B" "Welcome to site B." \
	    /p1.html p1 /private/secret.html secret /privateer.html privateer \
	    '{{SITE_a}}/' "site a"
	page "$_d/b/p1.html" "P1" "Public one."
	page "$_d/b/privateer.html" "Privateer" "Not private at all."
	page "$_d/b/private/secret.html" "Secret" "Never to be fetched."

	# Comment lines of 64 bytes (the last up to 127) fill up to N bytes.
	_fill='BEGIN { while (n > 0) { k = n >= 128 ? 64 : n; n -= k
	    s = "#"; while (length(s) < k - 1) s = s "."; print s } }'
	_r=$_d/big/robots.txt
	printf '%s\n' 'User-agent: *' 'Disallow: /private' \
	    'Allow: /private-early' >"$_r"
	awk -v n=$((512000 - 17 - $(wc -c <"$_r"))) "$_fill" >>"$_r"
	{
		printf '%s\n' 'Allow: /private-but-this-one-is-public'
		awk -v n=102400 "$_fill"
		printf '%s\n' 'Disallow: /late'
	} >>"$_r"
	page "$_d/big/public.html" "Public" "Public page."
	page "$_d/big/private-early.html" "Early" "Allowed before the limit."
	page "$_d/big/private-bXYZ.html" "Private" "Never to be fetched."
	page "$_d/big/private-but-this-one-is-public.html" "Cut" \
	    "Allowed only by a line past the limit."
	page "$_d/big/late.html" "Late" "Disallowed only past the limit."

	echo 404 >"$_d/r404/robots.status"
	printf '%s\n' 'User-agent: *' 'Disallow: /' >"$_d/r404/robots.txt"
	page "$_d/r404/index.html" "R404" "Robots missing." /page.html page
	page "$_d/r404/page.html" "R404 page" "Allowed page."

	echo 500 >"$_d/r500/robots.status"
	page "$_d/r500/index.html" "R500" "Robots broken." /page.html page
	page "$_d/r500/page.html" "R500 page" "Blocked page."

	echo 429 >"$_d/r429/robots.status"
	echo 1 >"$_d/r429/robots.flaky"
	printf '%s\n' 'User-agent: *' 'Disallow: /no/' >"$_d/r429/robots.txt"
	page "$_d/r429/index.html" "R429" "Robots busy." /page.html page
	page "$_d/r429/page.html" "R429 page" "Allowed page."

	echo 300 >"$_d/slow/robots.delay"
	printf '%s\n' 'User-agent: *' 'Crawl-delay: 1' 'Disallow: /nope/' \
	    >"$_d/slow/robots.txt"
	page "$_d/slow/index.html" "Slow" "Slow robots." \
	    /s1.html s1 /s2.html s2 /nope/n.html nope
	page "$_d/slow/s1.html" "S1" "Slow one."
	page "$_d/slow/s2.html" "S2" "Slow two."
	page "$_d/slow/nope/n.html" "N" "Disallowed."
}
