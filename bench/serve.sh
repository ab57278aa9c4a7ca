# Sourced by the benchmark scripts: start_server LOG ARGS... runs `$bin ARGS...` in the
# background (its standard error to LOG), waits until it prints the address it serves, and sets
# `server` (its pid) and `base` (http://ADDR).
start_server() {
  local log=$1
  shift
  "$bin" "$@" 2> "$log" &
  server=$!
  # The server prints its address once it listens.
  while ! grep -q 'serving http://' "$log"; do
    kill -0 $server 2> /dev/null || { cat "$log" >&2; return 1; }
    sleep 0.1
  done
  base=$(grep -o 'http://[0-9.:]*' "$log" | head -n 1)
}
