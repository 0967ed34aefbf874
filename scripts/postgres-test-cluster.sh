#!/usr/bin/env bash
# Runs a private PostgreSQL cluster for gongsync's tests and prints the line
# that points the tests at it:
#
#   export "$(scripts/postgres-test-cluster.sh)"   # start (or find running)
#   scripts/postgres-test-cluster.sh stop
#
# Idempotent. On a machine without PostgreSQL it installs Debian's package
# (as root). The cluster listens on 127.0.0.1 only, trusts local
# connections, and is for tests alone. Everything but the URL line goes to
# stderr.
set -euo pipefail

port="${GONGSYNC_PG_PORT:-55432}"
dir="${GONGSYNC_PG_DIR:-/tmp/gongsync-pg}"
database=gongsync_test
data="$dir/data"
log="$dir/postgres.log"

say() { echo "postgres-test-cluster: $*" >&2; }
die() { say "$*"; exit 1; }

action="${1:-start}"
[[ "$action" == start || "$action" == stop ]] || die "usage: $0 [start|stop]"

# find_bin prints the newest /usr/lib/postgresql/NN/bin that holds the
# server, else the folder of an initdb on PATH.
find_bin() {
	local candidate
	for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [[ -x "$candidate/initdb" && -x "$candidate/pg_ctl" && -x "$candidate/postgres" ]]; then
			echo "$candidate"
			return
		fi
	done
	if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
		dirname "$(readlink -f "$(command -v initdb)")"
	fi
}

install_postgres() {
	[[ "$(id -u)" -eq 0 ]] || die "PostgreSQL is not installed; run this as root to install it, or install it yourself"
	say "installing PostgreSQL from Debian's packages"
	# Our own cluster is all we need: skip the package's default one (and
	# keep this file when the package offers its own).
	if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
		mkdir -p /etc/postgresql-common
		echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
	fi
	export DEBIAN_FRONTEND=noninteractive UCF_FORCE_CONFFOLD=1
	apt-get update >&2
	apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold postgresql >&2
}

bin="$(find_bin)"
if [[ -z "$bin" ]]; then
	install_postgres
	bin="$(find_bin)"
	[[ -n "$bin" ]] || die "PostgreSQL was installed but initdb and pg_ctl were not found"
fi

# as_owner runs a command as the cluster's owner: postgres when we are root
# (initdb refuses root), else ourselves; from / since postgres may not be
# allowed into the current folder (a clone under /root).
as_owner() {
	if [[ "$(id -u)" -eq 0 ]]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

running() { [[ -f "$data/PG_VERSION" ]] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

if [[ "$action" == stop ]]; then
	if running; then
		as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >&2
	else
		say "not running"
	fi
	exit 0
fi

if [[ "$(id -u)" -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
	useradd --system --no-create-home --home-dir "$dir" --shell /bin/sh postgres
fi
mkdir -p "$dir"
if [[ "$(id -u)" -eq 0 ]]; then
	chown postgres: "$dir"
fi
chmod 700 "$dir"

if [[ ! -f "$data/PG_VERSION" ]]; then
	say "creating a cluster in $data ($("$bin/postgres" --version))"
	rm -rf "$data"
	as_owner "$bin/initdb" -D "$data" --username=postgres --auth=trust --encoding=UTF8 --no-locale >&2
	cat >>"$data/postgresql.conf" <<-CONF
		# gongsync test cluster
		listen_addresses = '127.0.0.1'
		port = $port
		unix_socket_directories = '$dir'
		max_connections = 300
	CONF
fi

if running; then
	say "already running on 127.0.0.1:$port"
else
	say "starting on 127.0.0.1:$port (log: $log)"
	if ! as_owner "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start >&2; then
		tail -n 50 "$log" >&2 || true
		die "PostgreSQL did not start"
	fi
fi

psql=("$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1)
if [[ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'")" != 1 ]]; then
	"${psql[@]}" -c "CREATE DATABASE $database" >&2
fi

echo "GONGSYNC_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/$database?sslmode=disable"
