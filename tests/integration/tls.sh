#!/bin/sh
# TLS failures name their cause (issue 13): a certificate that cannot be
# verified fails each URL with the certificate error and a hint on how to
# trust it, once per run; a --cacert that cannot be read is a usage error
# before anything is fetched. The server is openssl s_server -www on
# 127.0.0.1 with a self-signed certificate made here (tests/lib/httpd has
# no TLS); it answers every GET with a status page.
. "${top_srcdir:-.}/tests/lib/setup.sh"

# scripts/setup.sh installs it; without it this test cannot check.
command -v openssl >/dev/null 2>&1 || {
	echo "Bail out! openssl(1) is needed for a TLS server"
	exit 1
}
ENGINES=${TLS_ENGINES:-serial thread pool process async}

if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
    -keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 >"$T/req.out" 2>&1; then
	echo "Bail out! openssl req could not make a certificate"
	cat "$T/req.out"
	exit 1
fi
openssl s_server -accept 127.0.0.1:0 -cert "$T/cert.pem" \
    -key "$T/key.pem" -www </dev/null >"$T/tls.out" 2>&1 &
TLS_PID=$!
trap 'kill "$TLS_PID" 2>/dev/null; wait "$TLS_PID" 2>/dev/null; cleanup' EXIT
# Its "ACCEPT 127.0.0.1:PORT" line says it listens (5 s at most).
n=0
until grep -q '^ACCEPT ' "$T/tls.out"; do
	kill -0 "$TLS_PID" 2>/dev/null && [ $((n += 1)) -le 500 ] || {
		printf 'Bail out! openssl s_server did not start\n%s\n' \
		    "$(cat "$T/tls.out")"
		exit 1
	}
	sleep 0.01
done
TLS=https://127.0.0.1:$(sed -n 's/^ACCEPT 127\.0\.0\.1://p' "$T/tls.out")
printf '%s\n' "$TLS/one" "$TLS/two" >"$T/list"

# hints FILE: the lines of FILE that give the --cacert hint.
hints() {
	grep -c -F -- '--cacert FILE' "$1"
}
# The failure of both URLs, their input lines, robots, error; sorted.
fails() {
	tr -d '\r' <"$1" | sed 's/^[^,]*,//' | grep -v '^input,' |
	    awk -F, '{ print $1 "|" $3 "|" $13 "|" $17 "|" $16 }' |
	    LC_ALL=C sort
}
cert="TLS certificate not verified: SSL certificate problem: self-signed certificate"
hint="pscrape: $TLS/X: the server's TLS certificate could not be verified: give the CA that issued it with --cacert FILE, or turn verification off with -k"

for e in $ENGINES; do
	pscrape --no-config -e "$e" -f csv "$T/list" >"$T/out" 2>"$T/err"
	is "$?:$(fails "$T/out")" "1:$T/list:1|0|0|unreachable|$cert (robots.txt could not be fetched)
$T/list:2|0|0|unreachable|$cert (robots.txt could not be fetched)" \
	    "$e: a self-signed certificate: robots.txt unreachable, both URLs fail with the certificate error"
	is "$(hints "$T/err")|$(grep -F -- '--cacert FILE' "$T/err" |
	    sed 's|/one:|/X:|; s|/two:|/X:|')" "1|$hint" \
	    "$e: ... one hint on stderr for the run, not one per URL"

	pscrape --no-config -e "$e" --no-robots -f csv "$T/list" >"$T/out" \
	    2>"$T/err"
	is "$?:$(fails "$T/out")" "1:$T/list:1|0|1||$cert
$T/list:2|0|1||$cert" \
	    "$e: --no-robots: each URL fails with the certificate error"
	is "$(hints "$T/err")" 1 "$e: ... one hint"

	pscrape --no-config -e "$e" --cacert "$T/cert.pem" -f csv "$T/list" \
	    >"$T/out" 2>"$T/err"
	is "$?:$(fails "$T/out" | cut -d'|' -f1,2):$(hints "$T/err")" \
	    "0:$T/list:1|200
$T/list:2|200:0" "$e: --cacert with the certificate: both fetched, no hint"
	pscrape --no-config -e "$e" -k -f csv "$T/list" >"$T/out" 2>"$T/err"
	is "$?:$(hints "$T/err")" "0:0" "$e: -k: both fetched, no hint"
done

# Issue 17: one CA store, loaded once per process, serves every connection
# of every engine; verification is as strict as before. A second server
# whose certificate names 127.0.0.2 only: trusted with --cacert, it still
# fails on the host name; a --cacert of another CA fails on the issuer.
if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
    -keyout "$T/wkey.pem" -out "$T/wcert.pem" -subj /CN=wrong.invalid \
    -addext subjectAltName=IP:127.0.0.2 >"$T/req.out" 2>&1; then
	echo "Bail out! openssl req could not make a certificate"
	exit 1
fi
openssl s_server -accept 127.0.0.1:0 -cert "$T/wcert.pem" \
    -key "$T/wkey.pem" -www </dev/null >"$T/wtls.out" 2>&1 &
WTLS_PID=$!
trap 'kill "$TLS_PID" "$WTLS_PID" 2>/dev/null; wait "$TLS_PID" "$WTLS_PID" \
    2>/dev/null; cleanup' EXIT
n=0
until grep -q '^ACCEPT ' "$T/wtls.out"; do
	kill -0 "$WTLS_PID" 2>/dev/null && [ $((n += 1)) -le 500 ] || {
		echo "Bail out! openssl s_server did not start"
		exit 1
	}
	sleep 0.01
done
WTLS=https://127.0.0.1:$(sed -n 's/^ACCEPT 127\.0\.0\.1://p' "$T/wtls.out")
printf '%s\n' "$WTLS/one" >"$T/wlist"
printf '%s\n' "$TLS/p1" "$TLS/p2" "$TLS/p3" "$TLS/p4" "$TLS/p5" >"$T/list5"
# err FILE: the error column of the only record.
err() {
	tr -d '\r' <"$1" | sed -n 2p | awk -F, '{ print $4 "|" $17 }'
}
# costs FILE: the counters of the --summary's run.
costs() {
	grep -o '"connections.*}}' "$1"
}
for e in $ENGINES; do
	pscrape --no-config -e "$e" --no-robots --cacert "$T/wcert.pem" \
	    -f csv "$T/wlist" >"$T/out" 2>"$T/err"
	is "$?:$(err "$T/out")" "1:0|TLS certificate not verified: SSL: no alternative certificate subject name matches target host name '127.0.0.1'" \
	    "$e: a trusted certificate for another host name fails"
	pscrape --no-config -e "$e" --no-robots --cacert "$T/wcert.pem" \
	    -f csv "$TLS/one" >"$T/out" 2>"$T/err"
	is "$?:$(err "$T/out")" "1:0|$cert" \
	    "$e: a --cacert of another CA: the certificate is not verified"
	# Loaded at the first TLS connection, not when the option is read:
	# a file without a certificate fails each URL, as libcurl did.
	printf 'not a certificate\n' >"$T/junk.pem"
	pscrape --no-config -e "$e" --no-robots --cacert "$T/junk.pem" \
	    -f csv "$TLS/one" >"$T/out" 2>"$T/err"
	is "$?:$(err "$T/out")" "1:0|error setting certificate verify locations: $T/junk.pem" \
	    "$e: a --cacert holding no certificate fails each URL, naming it"
	pscrape --no-config -e "$e" -k --no-robots -f csv "$T/wlist" \
	    >"$T/out" 2>"$T/err"
	is "$?:$(err "$T/out")" "0:200|" \
	    "$e: -k: neither the CA nor the host name is checked"
	# One host, robots.txt and 5 pages one at a time: s_server -www
	# answers HTTP/1.0 and closes, so 6 connections, each a handshake,
	# and each after the first resumes the session the share kept.
	pscrape --no-config -e "$e" -j 1 --cacert "$T/cert.pem" -q \
	    -o /dev/null --summary "$T/sum.json" "$T/list5" 2>"$T/err"
	is "$?|$(costs "$T/sum.json")" '0|"connections":6,"tls_handshakes":6,"tls_resumed":5,"http_versions":{"1.0":6,"1.1":0,"2":0,"3":0}}' \
	    "$e -j 1: --summary counts 6 connections, 6 handshakes, 5 resumed, 6 HTTP/1.0 responses"
done
pscrape --no-config -v -e serial -j 1 --cacert "$T/cert.pem" -o /dev/null \
    "$T/list5" 2>"$T/err"
is "$?|$(grep '^serial: ' "$T/err")" "0|serial: 6 connections, 6 TLS handshakes (5 resumed); responses: HTTP/1.0 6, HTTP/1.1 0, HTTP/2 0, HTTP/3 0" \
    "-v prints the counters"

# --cacert naming a file that cannot be read: status 2 and the file named,
# before any fetch (no record, not one failure per URL).
pscrape --no-config --cacert "$T/missing.pem" "$T/list" >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/out")|$(head -n 1 "$T/err")" \
    "2||pscrape: --cacert: cannot read '$T/missing.pem': No such file or directory" \
    "--cacert with a missing file: usage error naming it, nothing fetched"
pscrape --no-config --cacert "$T" "$T/list" >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/out")|$(head -n 1 "$T/err")" \
    "2||pscrape: --cacert: '$T' is a directory" \
    "--cacert with a directory: usage error naming it"
printf 'cacert %s\n' "$T/missing.pem" >"$T/conf"
pscrape -K "$T/conf" "$T/list" >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/out")|$(head -n 1 "$T/err")" \
    "2||pscrape: $T/conf:1: --cacert: cannot read '$T/missing.pem': No such file or directory" \
    "... from a config file too, its line named"

done_testing
