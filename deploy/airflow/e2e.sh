#!/usr/bin/env bash
# End-to-end test of dagworker from Python (run by `make e2e`): a virtualenv
# with pinned Airflow, the official client, this package, the notebook tools
# and kfp; a real redis-server and a real `dagworker serve` on free loopback
# ports with the example DAGs and the shipped ones; then the pytest suites in
# tests/ (Airflow, the standalone client, the notebook run by nbclient) and
# ../kubeflow/tests (the KFP component). Exits non-zero on failure and stops
# everything it started.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3.11}"

# Pinned versions that install together on Python 3.11 (no constraints file
# needed): see README.md.
pins=(
  "apache-airflow==3.3.2"
  "apache-airflow-providers-http==6.3.0"
  "apache-airflow-client==3.3.2"
  "dag-factory==1.1.0"
  "pytest==9.2.0"
  "aiohttp==3.14.5"
  "requests==2.33.0" # kfp 2.17.3 pins it
  # the standalone client, the notebook and the Kubeflow component
  "tqdm==4.70.1"
  "ipywidgets==8.1.9"
  "pandas==3.1.1"
  "matplotlib==3.11.2"
  "nbformat==5.11.1"
  "nbclient==0.11.0"
  "ipykernel==7.4.0"
  "kfp==2.17.3"
  "kfp-kubernetes==2.17.3"
  # property-based checks of the served OpenAPI document
  "schemathesis==4.32.5"
)

# The venv is cached in the user cache, keyed by the pins, so every checkout
# on a machine shares it; the provider is installed from this checkout on
# every run (a few seconds), never editable into the shared venv.
key="$(printf '%s\n' "$python" "${pins[@]}" | sha256sum | cut -c1-12)"
venv="${DAGWORKER_AIRFLOW_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/dagworker/airflow-venv-$key}"
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9 # one e2e run at a time installs into the shared venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import airflow, airflow_client, dagfactory, tqdm, pandas, matplotlib, nbclient, ipykernel, kfp, kfp.kubernetes, schemathesis' 2>/dev/null; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q "${pins[@]}"
fi
"$venv/bin/pip" install -q --no-deps --force-reinstall "$here"

work="$(mktemp -d)"
pid=""
redis_pid=""
# Process groups the tests start (the differential test's Airflow
# api-server and scheduler) write their ids here; the trap stops them too.
export DAGWORKER_E2E_PIDS="$work/pids"
: >"$DAGWORKER_E2E_PIDS"
cleanup() {
  while read -r g; do
    if [ -n "$g" ] && kill -0 -- "-$g" 2>/dev/null; then
      kill -TERM -- "-$g" 2>/dev/null || true
      sleep 2
      kill -KILL -- "-$g" 2>/dev/null || true
    fi
  done <"$DAGWORKER_E2E_PIDS"
  for p in $pid $redis_pid; do
    if kill -0 "$p" 2>/dev/null; then
      kill "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

(cd "$root" && go build -o "$work/dagworker" ./cmd/dagworker)

freeport() { "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(freeport)"

# A real Redis. The shipped nightly DAG is paused before serve starts so the
# scheduler does not start its latest interval's run (against the internet);
# triggered runs of a paused DAG still run.
redis_port="$(freeport)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 1 100); do
  if redis-cli -p "$redis_port" ping >/dev/null 2>&1; then break; fi
  sleep 0.1
done
redis-cli -p "$redis_port" HSET dagworker:dags:paused nightly_sites 1 >/dev/null
# The schemathesis test starts its own serve on database 1 of this Redis.
export DAGWORKER_E2E_REDIS="127.0.0.1:$redis_port"

# The serve's DAG folder: the e2e DAGs and the shipped ones (the notebook and
# the client tests run nightly_sites against the demo site).
mkdir -p "$work/dags"
cp "$here"/dags/*.yaml "$root"/dags/*.yaml "$work/dags/"
token="e2e-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export DAGWORKER_E2E_URL="http://127.0.0.1:$port"
export DAGWORKER_E2E_TOKEN="$token"
export DAGWORKER_E2E_USER="airflow" DAGWORKER_E2E_PASSWORD="airflow-e2e-pass"

# Every serve flag has a DAGWORKER_* twin.
DAGWORKER_ADDR="127.0.0.1:$port" \
DAGWORKER_REDIS_URL="redis://127.0.0.1:$redis_port/0" \
DAGWORKER_DAGS="$work/dags" \
DAGWORKER_BLOB_URL="file://$work/lake" \
DAGWORKER_API_TOKENS="$token:trigger" \
DAGWORKER_API_USERS="$DAGWORKER_E2E_USER:$DAGWORKER_E2E_PASSWORD:trigger" \
  "$work/dagworker" serve >"$work/serve.log" 2>&1 &
pid=$!

for _ in $(seq 1 100); do
  if curl -fsS "$DAGWORKER_E2E_URL/api/v2/version" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$work/serve.log"; echo "dagworker serve exited" >&2; exit 1; fi
  sleep 0.1
done

# Airflow: a throwaway home with SQLite, connections from the environment.
export AIRFLOW_HOME="$work/airflow"
export AIRFLOW__CORE__DAGS_FOLDER="$here/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__UNIT_TEST_MODE=False
export AIRFLOW_CONN_DAGWORKER_DEFAULT="{\"conn_type\": \"http\", \"host\": \"127.0.0.1\", \"port\": $port, \"password\": \"$token\"}"
export AIRFLOW_CONN_DAGWORKER_BASIC="{\"conn_type\": \"http\", \"host\": \"127.0.0.1\", \"port\": $port, \"login\": \"$DAGWORKER_E2E_USER\", \"password\": \"$DAGWORKER_E2E_PASSWORD\"}"
export DAGWORKER_DAGS_DIR="$here/dags"
# The dag-factory test loads a shipped DAG from the repository's dags/ in
# Airflow and runs it with this binary too.
export DAGWORKER_SHIPPED_DAGS="$root/dags"
export DAGWORKER_E2E_BIN="$work/dagworker"
# Airflow's own API (the differential test starts an api-server): the
# SimpleAuthManager with the same user and password as dagworker's.
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="$DAGWORKER_E2E_USER:admin"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$work/airflow-passwords.json"
printf '{"%s": "%s"}\n' "$DAGWORKER_E2E_USER" "$DAGWORKER_E2E_PASSWORD" >"$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
AIRFLOW__API_AUTH__JWT_SECRET="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
export AIRFLOW__API_AUTH__JWT_SECRET
"$venv/bin/airflow" db migrate >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log"; exit 1; }

# The standalone client, the notebook and the KFP component read these.
export DAGWORKER_API_URL="$DAGWORKER_E2E_URL" DAGWORKER_TOKEN="$token"
export DAGWORKER_BIN="$work/dagworker"
export DAGWORKER_NOTEBOOKS="$root/examples/notebooks"

status=0
# E2E_TESTS picks suites or files (default: all of them), e.g. tests/test_client.py.
read -r -a suites <<<"${E2E_TESTS:-tests ../kubeflow/tests}"
(cd "$here" && "$venv/bin/python" -m pytest -q -p no:cacheprovider "${suites[@]}" "$@") || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- dagworker serve log (tail) ---"; tail -50 "$work/serve.log"
fi
exit "$status"
