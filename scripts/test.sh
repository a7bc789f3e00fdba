#!/usr/bin/env bash
# Install what the tests need and run them: lint, types, then the test suite.
# Used as is by CI (.ci/run) and by anyone on a fresh checkout.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
PG_HOST=127.0.0.1
PG_PORT=5432
export HIPCOACH_TEST_POSTGRES_URL=${HIPCOACH_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@$PG_HOST:$PG_PORT/hipcoach_test}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

pg_up() { "$PY" - "$PG_HOST" "$PG_PORT" <<'PYEOF'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
except OSError:
    sys.exit(1)
PYEOF
}

ensure_postgres() {
  if pg_up; then return 0; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "== installing PostgreSQL (Debian package)"
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq postgresql >/dev/null || return 1
  fi
  echo "== starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
  for _ in $(seq 1 30); do pg_up && return 0; sleep 1; done
  return 1
}

if ensure_postgres; then
  echo "== PostgreSQL is up at $PG_HOST:$PG_PORT"
else
  echo "== PostgreSQL is not reachable at $PG_HOST:$PG_PORT; its tests will skip (and fail under CI)"
fi

if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  "$PY" -m venv .venv
fi
echo "== installing hipcoach with its test dependencies"
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

# The browser tests drive Debian's Chromium and inject axe-core (from npm) into the pages.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ]; then
  echo "== installing Chromium (Debian package) for the browser tests"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ||
    echo "== Chromium did not install; the browser tests will skip (and fail under CI)"
fi
if [ ! -f tests/web/node_modules/axe-core/axe.min.js ] && command -v npm >/dev/null; then
  echo "== installing axe-core (npm) for the accessibility tests"
  npm ci --prefix tests/web --no-audit --no-fund --loglevel=error >/dev/null ||
    echo "== axe-core did not install; the accessibility tests will skip (and fail under CI)"
fi

# The suite connects as postgres over TCP. A fresh Debian server wants a
# password there: if (and only if) a password-less login is refused, give the
# role a local password and use it.
HIPCOACH_TEST_POSTGRES_URL=$(.venv/bin/python - <<'PYEOF'
import os, subprocess
url = os.environ["HIPCOACH_TEST_POSTGRES_URL"]
try:
    import psycopg
    admin = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    psycopg.connect(admin, connect_timeout=3).close()
except Exception as exc:
    if "password" in str(exc) and "@" in url and ":" not in url.split("//")[1].split("@")[0]:
        if os.geteuid() == 0:
            subprocess.run(["su", "postgres", "-c",
                            "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\""], check=False)
            url = url.replace("//postgres@", "//postgres:postgres@")
print(url)
PYEOF
)
export HIPCOACH_TEST_POSTGRES_URL

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
.venv/bin/python -m pytest "$@"
