# Sourced by scripts/run and scripts/test: make .venv and install the project into it,
# at the versions constraints.txt pins, again only when pyproject.toml, constraints.txt (or the wanted
# extra) changed since the last install.
ensure_venv() {
    local extra="${1:-}"
    local python="${PYTHON:-python3}"
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)." >&2
        exit 1
    fi
    [ -x .venv/bin/python ] || "$python" -m venv .venv
    local spec="."
    [ -n "$extra" ] && spec=".[${extra}]"
    local stamp
    stamp="$(cat pyproject.toml constraints.txt; echo "$spec")"
    stamp="$(printf '%s' "$stamp" | sha256sum | cut -d' ' -f1)"
    if [ "$(cat .venv/.setup-stamp 2>/dev/null)" != "$stamp" ]; then
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet -c constraints.txt -e "$spec"
        echo "$stamp" > .venv/.setup-stamp
    fi
    export PATH="$PWD/.venv/bin:$PATH"
}
