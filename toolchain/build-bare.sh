#!/usr/bin/env bash
# toolchain/build-bare.sh [OUTDIR] — compile the bare-metal tests.
#
# Every guest/bare/NAME.S or NAME.c becomes OUTDIR/bare/NAME.elf (OUTDIR
# defaults to <repo>/target/guest), linked with the environment in
# guest/bare/env (start.S, vm.S, link.ld: M-mode entry at 0x8000_0000, HTIF
# tohost/fromhost).  No C library: riscv64-unknown-elf-gcc, freestanding.
#
# Per-file directive (see guest/bare/README.md):
#   // rvscope-cflags: -O0      compiler flags instead of the default -O2 -g
#
# A test is rebuilt only when its ELF is missing or older than the source,
# any file in guest/bare/env, or this script.  build-guests.sh calls this
# script, so one `toolchain/build-guests.sh` builds everything.
set -euo pipefail

TOOLCHAIN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "${TOOLCHAIN_DIR}/.." && pwd)
readonly TOOLCHAIN_DIR REPO_DIR
readonly BARE_DIR=${REPO_DIR}/guest/bare
readonly ENV_DIR=${BARE_DIR}/env
readonly CC=${RISCV_GCC:-riscv64-unknown-elf-gcc}
readonly ARCH_FLAGS="-march=rv32imac_zicsr_zifencei -mabi=ilp32"
readonly LINK_FLAGS="-nostdlib -nostartfiles -static -ffreestanding -fno-pic -Wl,--build-id=none"
readonly DEFAULT_CFLAGS="-O2 -g"
readonly WARN_FLAGS="-Wall -Wextra"

OUTDIR=${1:-${REPO_DIR}/target/guest}
mkdir -p "${OUTDIR}/bare"
OUTDIR=$(cd "${OUTDIR}" && pwd)
readonly OUTDIR

log() { printf 'build-bare: %s\n' "$*"; }
die() { printf 'build-bare: error: %s\n' "$*" >&2; exit 1; }

command -v "${CC}" >/dev/null || die "${CC} not found (toolchain/setup.sh installs it)"

# directive FILE KEY -> value of the first "// rvscope-KEY: value" line.
directive() {
    sed -n "s|^// rvscope-$2:[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*\$|\1|p" "$1" | head -n 1
}

shopt -s nullglob
declare -a common_deps=("${BASH_SOURCE[0]}" "${ENV_DIR}"/*)

needs_build() {
    local elf=$1 src=$2 dep
    [[ -f ${elf} ]] || return 0
    [[ ${src} -nt ${elf} ]] && return 0
    for dep in "${common_deps[@]}"; do
        [[ ${dep} -nt ${elf} ]] && return 0
    done
    return 1
}

built=0
fresh=0
for src in "${BARE_DIR}"/*.S "${BARE_DIR}"/*.c; do
    file=$(basename "${src}")
    name=${file%.*}
    elf=${OUTDIR}/bare/${name}.elf
    if ! needs_build "${elf}" "${src}"; then
        fresh=$((fresh + 1))
        continue
    fi
    cflags=$(directive "${src}" cflags)
    declare -a flags=()
    read -r -a flags <<<"${ARCH_FLAGS} ${LINK_FLAGS} ${cflags:-${DEFAULT_CFLAGS}} ${WARN_FLAGS}"
    log "CC bare/${name}.elf"
    tmp=${elf}.tmp
    if ! "${CC}" "${flags[@]}" -I "${ENV_DIR}" -T "${ENV_DIR}/link.ld" \
        "${ENV_DIR}/start.S" "${ENV_DIR}/vm.S" "${src}" -o "${tmp}"; then
        rm -f "${tmp}"
        die "compiling ${src#"${REPO_DIR}"/} failed"
    fi
    mv "${tmp}" "${elf}"
    built=$((built + 1))
done

log "${built} built, ${fresh} up to date (in ${OUTDIR}/bare)"
