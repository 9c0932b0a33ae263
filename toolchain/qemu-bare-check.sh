#!/usr/bin/env bash
# toolchain/qemu-bare-check.sh [-v] [-o OUTDIR] [-t SECONDS] [NAME...] — run
# the bare-metal tests under qemu-system-riscv32 and check their directives.
#
# For each guest/bare/NAME.{S,c} (or only the NAMEs given), runs
#     qemu-system-riscv32 -machine spike -nographic -bios none -kernel NAME.elf
# with a timeout (default 10 s; a timeout is exit status 124) and checks
#   - the exit status against "// rvscope-exit: N" (default 0): QEMU exits
#     with tohost >> 1 when the program writes tohost = (N << 1) | 1;
#   - stdout (the HTIF console) against the "// rvscope-stdout: LINE" lines,
#     each one line of output ending in a newline; a test without them must
#     print nothing.
# Prints one line per test; -v also prints each test's output.  Exit status:
# the number of mismatches (capped at 125), so 0 means everything matched.
#
# The ELFs come from OUTDIR/bare (default <repo>/target/guest/bare), built by
# toolchain/build-bare.sh.
set -euo pipefail

TOOLCHAIN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "${TOOLCHAIN_DIR}/.." && pwd)
readonly TOOLCHAIN_DIR REPO_DIR
readonly BARE_DIR=${REPO_DIR}/guest/bare
readonly QEMU=${QEMU_SYSTEM_RISCV32:-qemu-system-riscv32}

verbose=0
outdir=${REPO_DIR}/target/guest
limit=10
while getopts "vo:t:" opt; do
    case ${opt} in
        v) verbose=1 ;;
        o) outdir=${OPTARG} ;;
        t) limit=${OPTARG} ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))

command -v "${QEMU}" >/dev/null || { echo "${QEMU} not found" >&2; exit 2; }

# directives FILE KEY -> every value of "// rvscope-KEY: value", one per line.
directives() {
    sed -n "s|^// rvscope-$2:[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*\$|\1|p" "$1"
}

shopt -s nullglob
declare -a sources=()
if (($# == 0)); then
    sources=("${BARE_DIR}"/*.S "${BARE_DIR}"/*.c)
else
    for name in "$@"; do
        name=${name%.*}
        found=0
        for f in "${BARE_DIR}/${name}".S "${BARE_DIR}/${name}".c; do
            if [[ -f ${f} ]]; then
                sources+=("${f}")
                found=1
            fi
        done
        ((found)) || { echo "no bare test named ${name}" >&2; exit 2; }
    done
fi

tmp=$(mktemp -d)
trap 'rm -rf "${tmp}"' EXIT
failed=0
for src in "${sources[@]}"; do
    file=$(basename "${src}")
    name=${file%.*}
    elf=${outdir}/bare/${name}.elf
    if [[ ! -f ${elf} ]]; then
        printf '%-24s MISSING %s\n' "${file}" "${elf}"
        failed=$((failed + 1))
        continue
    fi
    want=$(directives "${src}" exit | head -n 1)
    want=${want:-0}
    directives "${src}" stdout >"${tmp}/want"
    status=0
    timeout "${limit}" "${QEMU}" -machine spike -nographic -bios none -kernel "${elf}" \
        </dev/null >"${tmp}/out" 2>"${tmp}/err" || status=$?
    verdict=ok
    if [[ ${status} != "${want}" ]]; then
        verdict="FAIL(exit ${status}, want ${want})"
    elif ! cmp -s "${tmp}/out" "${tmp}/want"; then
        verdict="FAIL(stdout differs)"
    fi
    printf '%-24s %-6s exit %3s  %4d bytes\n' "${file}" "${verdict}" "${status}" \
        "$(wc -c <"${tmp}/out")"
    if [[ ${verdict} != ok ]]; then
        failed=$((failed + 1))
        if ! cmp -s "${tmp}/out" "${tmp}/want"; then
            diff -u --label want --label got "${tmp}/want" "${tmp}/out" | sed 's/^/    /' || true
        fi
        [[ -s ${tmp}/err ]] && sed 's/^/    stderr: /' "${tmp}/err"
    elif ((verbose)); then
        sed 's/^/    | /' "${tmp}/out"
    fi
done
echo "${failed} failed"
exit "$((failed > 125 ? 125 : failed))"
