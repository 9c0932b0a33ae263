#!/usr/bin/env bash
# toolchain/qemu-check.sh [-v] [-o OUTDIR] [NAME...] — run the guest programs
# under qemu-riscv32 the way the test suite runs them under rvscope, and check
# them against their directives (see guest/README.md).
#
# For each guest/{tests,examples,bench}/NAME.c (or only the NAMEs given):
#   - a fresh temporary directory is the working directory, holding copies of
#     the files named by "// rvscope-files:" lines;
#   - stdin is the "// rvscope-stdin:" file (path relative to guest/), else
#     /dev/null;
#   - the environment is exactly the "// rvscope-env:" entries (env -i: qemu
#     would otherwise pass the host environment to the program);
#   - the arguments are the "// rvscope-args:" words;
#   - the exit status must equal "// rvscope-exit:" (default 0), and two runs
#     must give the same stdout.
# -v prints each program's stdout.  Exit status: number of failed programs.
#
# The ELFs come from OUTDIR (default <repo>/target/guest), built by
# toolchain/build-guests.sh.
set -euo pipefail

TOOLCHAIN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "${TOOLCHAIN_DIR}/.." && pwd)
readonly TOOLCHAIN_DIR REPO_DIR
readonly GUEST_DIR=${REPO_DIR}/guest

verbose=0
outdir=${REPO_DIR}/target/guest
while getopts "vo:" opt; do
    case ${opt} in
        v) verbose=1 ;;
        o) outdir=${OPTARG} ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))

# directives FILE KEY -> every value of "// rvscope-KEY: value", one per line.
directives() {
    sed -n "s|^// rvscope-$2:[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*\$|\1|p" "$1"
}

# split_words STRING -> the shell-like words of STRING into the array WORDS.
# Words are separated by blanks; "double quotes" group (no escapes).
split_words() {
    local s=$1 word="" in_word=0 quoted=0 ch i
    WORDS=()
    for ((i = 0; i < ${#s}; i++)); do
        ch=${s:i:1}
        if ((quoted)); then
            if [[ ${ch} == '"' ]]; then quoted=0; else word+=${ch}; fi
        elif [[ ${ch} == '"' ]]; then
            quoted=1
            in_word=1
        elif [[ ${ch} == ' ' || ${ch} == $'\t' ]]; then
            if ((in_word)); then WORDS+=("${word}"); fi
            word=""
            in_word=0
        else
            word+=${ch}
            in_word=1
        fi
    done
    ((quoted == 0)) || { echo "unterminated quote in: ${s}" >&2; return 1; }
    if ((in_word)); then WORDS+=("${word}"); fi
}

# run_once SRC ELF OUTFILE -> exit status of the program.
run_once() {
    local src=$1 elf=$2 outfile=$3
    local sandbox f stdin_path args
    sandbox=$(mktemp -d)
    while IFS= read -r f; do
        cp "${GUEST_DIR}/${f}" "${sandbox}/"
    done < <(directives "${src}" files)
    stdin_path=$(directives "${src}" stdin | head -n 1)
    stdin_path=${stdin_path:+${GUEST_DIR}/${stdin_path}}
    args=$(directives "${src}" args | head -n 1)
    split_words "${args}"
    local -a envs=()
    mapfile -t envs < <(directives "${src}" env)
    local status=0
    # The braces catch bash's "Segmentation fault" job report for fault tests.
    { (cd "${sandbox}" && exec env -i "${envs[@]}" qemu-riscv32 "${elf}" "${WORDS[@]}") \
        <"${stdin_path:-/dev/null}" >"${outfile}"; } 2>/dev/null || status=$?
    rm -rf "${sandbox}"
    return "${status}"
}

shopt -s nullglob
declare -a sources=()
if (($# == 0)); then
    sources=("${GUEST_DIR}"/tests/*.c "${GUEST_DIR}"/examples/*.c "${GUEST_DIR}"/bench/*.c)
else
    for name in "$@"; do
        found=0
        for sub in tests examples bench; do
            f=${GUEST_DIR}/${sub}/${name%.c}.c
            if [[ -f ${f} ]]; then
                sources+=("${f}")
                found=1
            fi
        done
        ((found)) || { echo "no guest program named ${name}" >&2; exit 2; }
    done
fi

tmp=$(mktemp -d)
trap 'rm -rf "${tmp}"' EXIT
failed=0
for src in "${sources[@]}"; do
    rel=${src#"${GUEST_DIR}"/}
    sub=${rel%%/*}
    name=$(basename "${src}" .c)
    elf=${outdir}/${sub}/${name}.elf
    if [[ ! -f ${elf} ]]; then
        printf '%-32s MISSING %s\n' "${rel}" "${elf}"
        failed=$((failed + 1))
        continue
    fi
    want=$(directives "${src}" exit | head -n 1)
    want=${want:-0}
    start=$(date +%s.%N)
    s1=0 && run_once "${src}" "${elf}" "${tmp}/1" || s1=$?
    end=$(date +%s.%N)
    s2=0 && run_once "${src}" "${elf}" "${tmp}/2" || s2=$?
    verdict=ok
    [[ ${s1} == "${want}" && ${s2} == "${want}" ]] || verdict="FAIL(exit ${s1}/${s2}, want ${want})"
    cmp -s "${tmp}/1" "${tmp}/2" || verdict="FAIL(output differs between runs)"
    printf '%-32s %-6s exit %3s  %6d bytes  %5.2fs\n' "${rel}" "${verdict}" "${s1}" \
        "$(wc -c <"${tmp}/1")" "$(echo "${end} - ${start}" | bc)"
    [[ ${verdict} == ok ]] || failed=$((failed + 1))
    if ((verbose)); then
        sed 's/^/    | /' "${tmp}/1"
    fi
done
echo "${failed} failed"
exit "$((failed > 125 ? 125 : failed))"
