# Shared by the benchmark scripts that start servers on 127.0.0.1 (sourced, not run):
# a scratch folder `$work`, the started processes `pids` (killed, and `$work` removed, on
# exit or by `cleanup`), `free_port` and `wait_for URL`.
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # URL
  for _ in $(seq 1 200); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "error: $1 never answered" >&2
  exit 1
}
