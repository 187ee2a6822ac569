# Sourced by bench/state.sh and bench/frontier.sh: a private nginx on
# 127.0.0.1 serving static files, as bench/run's.
#
#   nginx_start DIR ROOT [DIRECTIVES]
#
# runs nginx with its files under DIR, serving ROOT (and DIRECTIVES, e.g.
# more locations, in its server block), and sets NGINX_PID and BASE (its
# http://127.0.0.1:PORT). The caller has die(), and waits for the server
# to answer with a URL of its own; it kills NGINX_PID at the end.
nginx_start() {
	local dir=$1 root=$2 extra=${3:-} port userline=
	mkdir -p "$dir/tmp"
	port=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
		die "cannot find a free port"
	BASE=http://127.0.0.1:$port
	[ "$(id -u)" -eq 0 ] && userline="user $(id -un) $(id -gn);"
	cat >"$dir/nginx.conf" <<EOF
$userline
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	keepalive_requests 10000000;
	keepalive_timeout 300s;
	# More would pass the descriptor limit: nginx answers 500.
	open_file_cache max=1000 inactive=300s;
	types { text/html html htm; }
	server {
		listen 127.0.0.1:$port;
		root $root;
		$extra
	}
}
EOF
	/usr/sbin/nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" &
	NGINX_PID=$!
}
