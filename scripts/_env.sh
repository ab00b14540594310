# shellcheck shell=bash
# Shared helpers for scripts/*: sourced, not executed.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
#   cgi_ensure_venv .venv requirements/test.txt   # prints nothing when up to date
#   "$CGI_VENV/bin/python" ...
#
# Python >= 3.13 is required by Home Assistant 2025.4+. Set CGI_PYTHON to force an
# interpreter.

set -euo pipefail

CGI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CGI_ROOT

cgi_log() {
    printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

cgi_die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# True when $1 runs and is CPython >= 3.13 with venv+ensurepip (Debian ships
# ensurepip separately in python3.X-venv, and without it `-m venv` fails late).
_cgi_python_ok() {
    "$1" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 13) else 1)' \
        >/dev/null 2>&1
}

# Prints the path of a suitable interpreter, or explains what to install and exits.
cgi_find_python() {
    local candidates=() cand
    if [[ -n "${CGI_PYTHON:-}" ]]; then
        _cgi_python_ok "$CGI_PYTHON" || cgi_die "CGI_PYTHON=$CGI_PYTHON is not a usable Python >= 3.13"
        printf '%s\n' "$CGI_PYTHON"
        return 0
    fi
    # pyenv builds first: on the dev/CI machines the system python3 is 3.11. Newest 3.13.x wins.
    while IFS= read -r cand; do
        candidates+=("$cand")
    done < <(compgen -G '/root/.pyenv/versions/3.13*/bin/python3' | sort -rV || true)
    for cand in python3.13 python3; do
        if command -v "$cand" >/dev/null 2>&1; then
            candidates+=("$(command -v "$cand")")
        fi
    done
    for cand in "${candidates[@]}"; do
        if _cgi_python_ok "$cand"; then
            printf '%s\n' "$cand"
            return 0
        fi
    done
    {
        echo "error: no Python >= 3.13 (with the venv module) found."
        echo "  tried: ${candidates[*]:-nothing on PATH}"
        echo "  Install Python 3.13 (e.g. \`pyenv install 3.13.0\` or Debian/Ubuntu"
        echo "  \`apt-get install python3.13 python3.13-venv\`), or set CGI_PYTHON=/path/to/python3.13."
    } >&2
    exit 1
}

# Hash of the requirement file plus the files it pulls in with -r/-c (one level is
# all we use), so editing any of them triggers a reinstall.
_cgi_req_hash() {
    local req="$1" dir line inc
    dir="$(dirname "$req")"
    {
        cat "$req"
        while IFS= read -r line; do
            if [[ "$line" =~ ^[[:space:]]*-[rc][[:space:]]+([^[:space:]]+) ]]; then
                inc="${BASH_REMATCH[1]}"
                cat "$dir/$inc"
            fi
        done <"$req"
    } | sha256sum | cut -d' ' -f1
}

# pip options a requirement file asks for via "# pip-args: ..." lines (pip itself
# does not accept e.g. --ignore-requires-python inside requirement files).
_cgi_req_pip_args() {
    sed -n 's/^#[[:space:]]*pip-args:[[:space:]]*//p' "$1" | tr '\n' ' '
}

# pip's output as a line per package it fetches, so a first install (minutes) shows
# that it moves; "already satisfied" lines and the rest are left out.
_cgi_pip_progress() {
    local line n=0
    while IFS= read -r line; do
        case "$line" in
            Collecting\ *)
                n=$((n + 1))
                line="${line#Collecting }"
                printf '  [%3d] %s\n' "$n" "${line%% (from *}" >&2 ;;
            Installing\ collected\ packages*)
                cgi_log "unpacking $n packages" ;;
        esac
    done
}

# pip's warnings and errors, without the one this machine's pip.conf causes for each
# package (it names local indexes that may be absent).
_cgi_pip_errors() {
    grep -v "^WARNING: Location '.*' is ignored" >&2 || true
}

# cgi_ensure_venv VENV_DIR REQ_FILE...
# Creates VENV_DIR (relative to the repo root) if needed and installs each
# requirement file, skipping files whose stamp (hash) is unchanged. Sets CGI_VENV.
cgi_ensure_venv() {
    local name="$1" venv="$CGI_ROOT/$1" req stamp want py pyver start
    shift
    CGI_VENV="$venv"
    export CGI_VENV

    # A venv whose interpreter vanished (pyenv upgrade, copied tree) or is too old
    # (made by hand with python3.11) is unusable: rebuild it.
    if [[ -d "$venv" ]] && ! _cgi_python_ok "$venv/bin/python"; then
        cgi_log "venv $name is broken or not Python >= 3.13; recreating"
        rm -rf "$venv"
    fi
    if [[ ! -x "$venv/bin/python" ]]; then
        py="$(cgi_find_python)"
        pyver="$("$py" -c 'import platform; print(platform.python_version())')"
        cgi_log "creating $name with $py (Python $pyver)"
        "$py" -m venv "$venv"
    fi

    # Serialise installs into the same venv (two scripts started at once).
    if command -v flock >/dev/null 2>&1; then
        exec {_cgi_lock_fd}>"$venv/.install.lock"
        flock "$_cgi_lock_fd"
    fi
    for req in "$@"; do
        req="$CGI_ROOT/$req"
        [[ -f "$req" ]] || cgi_die "missing requirement file $req"
        stamp="$venv/.stamp-$(basename "$req")"
        want="$(_cgi_req_hash "$req")"
        if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
            continue
        fi
        cgi_log "installing ${req#"$CGI_ROOT"/} into $name (a few minutes on first run)"
        start=$SECONDS
        # shellcheck disable=SC2046  # pip-args is a word list on purpose
        "$venv/bin/python" -m pip install --disable-pip-version-check \
            $(_cgi_req_pip_args "$req") -r "$req" \
            2> >(_cgi_pip_errors) | _cgi_pip_progress \
            || cgi_die "pip install -r ${req#"$CGI_ROOT"/} failed (see above)"
        printf '%s\n' "$want" >"$stamp"
        cgi_log "installed ${req#"$CGI_ROOT"/} in $((SECONDS - start)) s"
    done
    if [[ -n "${_cgi_lock_fd:-}" ]]; then
        exec {_cgi_lock_fd}>&-
        unset _cgi_lock_fd
    fi
}
