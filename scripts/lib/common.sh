# Shared by the test scripts (source it; it defines functions only).
#
#   install_debian_packages WHAT PACKAGE...
#       Installs the Debian packages with apt-get when running as root (one
#       `apt-get update` per script run), else says what to install and
#       returns 1. WHAT names what needs them, for the message.
#
#   start_server LOG BIN ARG...
#       Starts `BIN serve --listen 127.0.0.1:0 ARG...` (a free loopback port),
#       its standard error in LOG, and waits up to 60 s for the address it
#       prints. Sets SERVER_PID and ADDR (http://127.0.0.1:PORT); returns 1,
#       with the log shown, if the server stops or never says where it is.

_ordinance_apt_updated=0

install_debian_packages() {
    local what="$1"
    shift
    [ "$#" -gt 0 ] || return 0
    if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
        echo "error: $what need(s) $* (Debian: apt-get install $*)" >&2
        return 1
    fi
    if [ "$_ordinance_apt_updated" = 0 ]; then
        apt-get update -q >/dev/null
        _ordinance_apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}

start_server() {
    local log="$1" bin="$2"
    shift 2
    "$bin" serve --listen 127.0.0.1:0 "$@" 2>"$log" &
    SERVER_PID=$!
    ADDR=""
    local _
    for _ in $(seq 1 300); do
        # the whole address: the line may be half written, so wait for the text after it
        ADDR=$(sed -nE 's/.*serving on (http:\/\/[0-9.]+:[0-9]+) \(.*/\1/p' "$log" | head -n 1)
        [ -n "$ADDR" ] && return 0
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "error: the service stopped before it served:" >&2
            cat "$log" >&2
            return 1
        fi
        sleep 0.2
    done
    echo "error: the service did not say where it serves within 60 s:" >&2
    cat "$log" >&2
    return 1
}
