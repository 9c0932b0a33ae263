#!/usr/bin/env bash
# toolchain/build-guests.sh [OUTDIR] — compile the guest programs.
#
# Every guest/{examples,tests,bench}/*.c becomes OUTDIR/<dir>/<name>.elf
# (OUTDIR defaults to <repo>/target/guest), built with toolchain/rv32-cc.
# Then toolchain/build-bare.sh builds guest/bare into OUTDIR/bare.
#
# Per-file directives (lines anywhere in the file, see guest/README.md):
#   // rvscope-cflags: -O0      compiler flags instead of the default -O2 -g
#   // rvscope-march: rv32im    build for rv32im instead of rv32imac
#
# A program is rebuilt only when its ELF is missing or older than the source,
# anything the source includes, guest/include/*, rv32-cc, or the newlib build.
# Any compile error stops the script with a non-zero status.
set -euo pipefail

TOOLCHAIN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "${TOOLCHAIN_DIR}/.." && pwd)
readonly TOOLCHAIN_DIR REPO_DIR
readonly GUEST_DIR=${REPO_DIR}/guest
readonly CC=${TOOLCHAIN_DIR}/rv32-cc
readonly NEWLIB_ROOT=${XDG_CACHE_HOME:-${HOME}/.cache}/rvscope/newlib-3.3.0
readonly DEFAULT_CFLAGS="-O2 -g"
readonly WARN_FLAGS="-Wall -Wextra"

OUTDIR=${1:-${REPO_DIR}/target/guest}
mkdir -p "${OUTDIR}"
OUTDIR=$(cd "${OUTDIR}" && pwd)
readonly OUTDIR

log() { printf 'build-guests: %s\n' "$*"; }
die() { printf 'build-guests: error: %s\n' "$*" >&2; exit 1; }

# directive FILE KEY -> value of the first "// rvscope-KEY: value" line.
directive() {
    sed -n "s|^// rvscope-$2:[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*\$|\1|p" "$1" | head -n 1
}

# Files every program depends on besides its own sources.
declare -a common_deps=("${CC}")
shopt -s nullglob
common_deps+=("${GUEST_DIR}"/include/*)
for stamp in "${NEWLIB_ROOT}"/*/.rvscope-stamp; do
    common_deps+=("${stamp}")
done

# needs_build ELF DEPFILE SRC: true if ELF is missing or any dependency is newer.
needs_build() {
    local elf=$1 depfile=$2 src=$3 dep
    [[ -f ${elf} && -f ${depfile} ]] || return 0
    [[ ${src} -nt ${elf} ]] && return 0
    for dep in "${common_deps[@]}"; do
        [[ ${dep} -nt ${elf} ]] && return 0
    done
    # gcc -MMD output: "target: dep dep \" continued over lines.
    while read -r dep; do
        [[ -z ${dep} || ${dep} == *: ]] && continue
        [[ ! -e ${dep} || ${dep} -nt ${elf} ]] && return 0
    done < <(sed -e 's/\\$//' "${depfile}" | tr ' ' '\n')
    return 1
}

built=0
fresh=0
for sub in examples tests bench; do
    for src in "${GUEST_DIR}/${sub}"/*.c; do
        name=$(basename "${src}" .c)
        elf=${OUTDIR}/${sub}/${name}.elf
        depfile=${OUTDIR}/${sub}/${name}.d
        mkdir -p "${OUTDIR}/${sub}"

        if ! needs_build "${elf}" "${depfile}" "${src}"; then
            fresh=$((fresh + 1))
            continue
        fi

        cflags=$(directive "${src}" cflags)
        march=$(directive "${src}" march)
        declare -a flags=()
        read -r -a flags <<<"${cflags:-${DEFAULT_CFLAGS}}"
        declare -a warn=()
        read -r -a warn <<<"${WARN_FLAGS}"
        [[ -n ${march} ]] && flags+=("-march=${march}")

        log "CC ${sub}/${name}.elf (${flags[*]})"
        tmp=${elf}.tmp
        if ! "${CC}" "${flags[@]}" "${warn[@]}" -MMD -MF "${depfile}" -MT "${elf}" \
            "${src}" -o "${tmp}"; then
            rm -f "${tmp}"
            die "compiling ${src#"${REPO_DIR}"/} failed"
        fi
        mv "${tmp}" "${elf}"
        built=$((built + 1))
    done
done

log "${built} built, ${fresh} up to date (in ${OUTDIR})"

# The bare-metal tests (guest/bare, no C library) have their own script.
"${TOOLCHAIN_DIR}/build-bare.sh" "${OUTDIR}"
