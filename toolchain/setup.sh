#!/usr/bin/env bash
# toolchain/setup.sh — prepare everything needed to build RV32 guest programs.
#
#   1. checks for (and, as root, installs) the Debian packages
#      gcc-riscv64-unknown-elf, newlib-source and qemu-user;
#   2. builds newlib 3.3.0 (libc, libm, libgloss, crt0) for two ISA variants
#         rv32imac  (-march=rv32imac -mabi=ilp32, the default)
#         rv32im    (-march=rv32im   -mabi=ilp32)
#      into ${XDG_CACHE_HOME:-$HOME/.cache}/rvscope/newlib-3.3.0/<variant>/
#      with lib/ and include/ (a stamp file makes re-runs skip the build);
#   3. runs toolchain/build-guests.sh to compile guest/ into target/guest/.
#
# Idempotent: a second run only checks stamps and file dates.
#
# The stock libgloss/riscv speaks the riscv-pk system-call ABI; a few of its
# files are replaced by toolchain/newlib-overlay/ so the guest speaks the
# rv32 Linux ABI that qemu-riscv32 and rvscope implement (see the README in
# guest/ and the comments in the overlay files).
#
# Environment: XDG_CACHE_HOME (cache root), RVSCOPE_JOBS (make -j, default
# nproc), RVSCOPE_SKIP_GUESTS=1 (do not run build-guests.sh).
set -euo pipefail

readonly NEWLIB_VERSION=3.3.0
readonly NEWLIB_TARBALL=/usr/src/newlib/newlib-${NEWLIB_VERSION}.tar.xz
readonly NEWLIB_SRCDIR_NAME=newlib-salsa  # what the Debian tarball extracts to
readonly TARGET=riscv64-unknown-elf
# Bump when the build recipe changes so existing caches are rebuilt.
readonly RECIPE_VERSION=1

TOOLCHAIN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly TOOLCHAIN_DIR
readonly OVERLAY_DIR=${TOOLCHAIN_DIR}/newlib-overlay
readonly CACHE_ROOT=${XDG_CACHE_HOME:-${HOME}/.cache}/rvscope
readonly NEWLIB_ROOT=${CACHE_ROOT}/newlib-${NEWLIB_VERSION}
readonly LOG_DIR=${NEWLIB_ROOT}/logs

log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# --------------------------------------------------------------------------
# 1. Packages
# --------------------------------------------------------------------------
ensure_packages() {
    local -a missing=()
    command -v "${TARGET}-gcc" >/dev/null 2>&1 || missing+=(gcc-riscv64-unknown-elf)
    [[ -f ${NEWLIB_TARBALL} ]] || missing+=(newlib-source)
    command -v qemu-riscv32 >/dev/null 2>&1 || missing+=(qemu-user)
    # Host tools the newlib build itself needs.
    command -v make >/dev/null 2>&1 || missing+=(make)
    command -v cc >/dev/null 2>&1 || missing+=(gcc)
    command -v xz >/dev/null 2>&1 || missing+=(xz-utils)

    if ((${#missing[@]} == 0)); then
        log "packages: ok (${TARGET}-gcc, newlib-source, qemu-riscv32)"
        return
    fi
    if ((EUID != 0)); then
        die "missing packages; run: sudo apt-get install ${missing[*]}"
    fi
    log "packages: installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}"
}

check_multilib() {
    # libgcc must exist for both ISA variants (rv32-cc links it explicitly).
    local march lib
    for march in rv32imac rv32im; do
        lib=$("${TARGET}-gcc" -march="${march}" -mabi=ilp32 -print-libgcc-file-name)
        [[ ${lib} == */${march}/ilp32/libgcc.a && -f ${lib} ]] ||
            die "${TARGET}-gcc has no ${march}/ilp32 multilib (got ${lib})"
    done
}

# --------------------------------------------------------------------------
# 2. newlib
# --------------------------------------------------------------------------

# Everything that determines a build's output; the stamp stores it.
recipe_key() {
    local march=$1
    local overlay_sum
    overlay_sum=$(cd "${OVERLAY_DIR}" && find . -type f -print0 | LC_ALL=C sort -z |
        xargs -0 sha256sum | sha256sum | cut -c1-16)
    printf 'recipe=%s newlib=%s march=%s mabi=ilp32 gcc=%s overlay=%s\n' \
        "${RECIPE_VERSION}" "${NEWLIB_VERSION}" "${march}" \
        "$("${TARGET}-gcc" -dumpfullversion)" "${overlay_sum}"
}

# Source edits that are too small for an overlay file.
patch_sources() {
    local src=$1
    local mk=${src}/libgloss/riscv/Makefile.in
    local time_h=${src}/newlib/libc/include/time.h

    # Overlay: rvscope's replacements for some libgloss/riscv files.
    cp -R "${OVERLAY_DIR}/." "${src}/"

    # Build the extra libgloss source (clock_gettime/clock_getres).
    sed -i 's/^\(\s*\)sys_close\.c \\$/\1sys_clock_gettime.c \\\n\1sys_close.c \\/' "${mk}"
    if ! grep -q 'sys_clock_gettime\.c' "${mk}"; then
        echo "could not patch ${mk}" >&2
        return 1
    fi

    # Declare clock_gettime/clock_getres and CLOCK_MONOTONIC, which newlib
    # only declares for targets defining _POSIX_TIMERS (RTEMS, Linux).
    awk '
        /^#if defined\(_POSIX_TIMERS\)$/ && !t {
            print "/* rvscope: libgloss implements these for riscv (see toolchain/). */"
            print "#if !defined(_POSIX_TIMERS)"
            print "#ifdef __cplusplus"
            print "extern \"C\" {"
            print "#endif"
            print "int clock_gettime (clockid_t clock_id, struct timespec *tp);"
            print "int clock_getres (clockid_t clock_id, struct timespec *res);"
            print "#ifdef __cplusplus"
            print "}"
            print "#endif"
            print "#endif"
            print ""
            t = 1
        }
        /^#if defined\(_POSIX_MONOTONIC_CLOCK\)$/ && !m {
            print "#if !defined(_POSIX_MONOTONIC_CLOCK) /* rvscope */"
            print "#define CLOCK_MONOTONIC\t\t((clockid_t) 4)"
            print "#endif"
            print ""
            m = 1
        }
        { print }
    ' "${time_h}" >"${time_h}.new"
    mv "${time_h}.new" "${time_h}"
    if [[ $(grep -c 'rvscope' "${time_h}") != 2 ]]; then
        echo "could not patch ${time_h}" >&2
        return 1
    fi
}

build_newlib() {
    local variant=$1 march=$2
    local dest=${NEWLIB_ROOT}/${variant}
    local stamp=${dest}/.rvscope-stamp
    local logfile=${LOG_DIR}/${variant}.log
    local key
    key=$(recipe_key "${march}")

    if [[ -f ${stamp} && $(<"${stamp}") == "${key}" ]]; then
        log "newlib ${NEWLIB_VERSION} ${variant}: up to date (${dest})"
        return
    fi

    mkdir -p "${NEWLIB_ROOT}" "${LOG_DIR}"
    # The work dir lives next to the destination so the final mv is a rename.
    local work
    work=$(mktemp -d "${NEWLIB_ROOT}/.build-${variant}.XXXXXX")
    # shellcheck disable=SC2064  # expand ${work} now, on purpose
    trap "rm -rf '${work}'" EXIT
    : >"${logfile}"

    run_step() {
        local what=$1
        shift
        log "newlib ${variant}: ${what}"
        if ! "$@" >>"${logfile}" 2>&1; then
            printf 'setup: error: newlib %s: %s failed; last lines of %s:\n' \
                "${variant}" "${what}" "${logfile}" >&2
            tail -n 40 "${logfile}" >&2
            exit 1
        fi
    }

    local jobs=${RVSCOPE_JOBS:-$(nproc)}
    local cflags="-march=${march} -mabi=ilp32 -mcmodel=medlow -O2 -g"
    run_step "extract ${NEWLIB_TARBALL##*/}" tar -xJf "${NEWLIB_TARBALL}" -C "${work}"
    local src=${work}/${NEWLIB_SRCDIR_NAME}
    [[ -d ${src} ]] || die "${NEWLIB_TARBALL} did not extract to ${NEWLIB_SRCDIR_NAME}/"
    run_step "patch libgloss for the rv32 Linux syscall ABI" patch_sources "${src}"
    mkdir -p "${work}/build"
    run_step "configure (${cflags})" \
        env -C "${work}/build" "${src}/configure" \
        --target="${TARGET}" \
        --prefix="${work}/prefix" \
        --disable-multilib \
        --disable-nls \
        --enable-newlib-io-long-long \
        --enable-newlib-io-c99-formats \
        CFLAGS_FOR_TARGET="${cflags}"
    run_step "make -j${jobs} (about a minute)" \
        make -C "${work}/build" -j"${jobs}" all-target-newlib all-target-libgloss
    run_step "install" \
        make -C "${work}/build" install-target-newlib install-target-libgloss

    # Flatten <prefix>/<target>/{lib,include} into <variant>/{lib,include}.
    local out=${work}/out
    mkdir -p "${out}"
    mv "${work}/prefix/${TARGET}/lib" "${work}/prefix/${TARGET}/include" "${out}/"
    local f
    for f in crt0.o libc.a libm.a libgloss.a; do
        [[ -f ${out}/lib/${f} ]] || die "newlib ${variant}: ${f} was not installed"
    done
    printf '%s\n' "${key}" >"${out}/.rvscope-stamp"

    # Swap the new tree in: rename old away, rename new in, delete old.
    if [[ -e ${dest} ]]; then
        mv "${dest}" "${work}/old"
    fi
    mv "${out}" "${dest}"
    rm -rf "${work}"
    trap - EXIT
    log "newlib ${variant}: installed in ${dest} (log: ${logfile})"
}

# --------------------------------------------------------------------------
# 0. Rust (to build rvscope itself)
# --------------------------------------------------------------------------
ensure_rust() {
    if command -v cargo >/dev/null 2>&1; then
        log "rust: ok ($(cargo --version))"
        return
    fi
    if [[ -x ${HOME}/.cargo/bin/cargo ]]; then
        log "rust: found in ~/.cargo/bin; add it to PATH: . \"\$HOME/.cargo/env\""
        return
    fi
    if ((EUID == 0)) && ! command -v curl >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq curl ca-certificates
    fi
    log "rust: installing the stable toolchain with rustup (https://sh.rustup.rs)"
    if curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy,rustfmt; then
        log "rust: installed; run '. \"\$HOME/.cargo/env\"' (or open a new shell) before cargo"
    else
        die "cargo not found and rustup could not be downloaded; install Rust >= 1.85 (https://rustup.rs)"
    fi
}

main() {
    ensure_rust
    ensure_packages
    check_multilib
    build_newlib rv32imac rv32imac
    build_newlib rv32im rv32im
    if [[ ${RVSCOPE_SKIP_GUESTS:-0} != 1 ]]; then
        log "guest programs: toolchain/build-guests.sh"
        "${TOOLCHAIN_DIR}/build-guests.sh"
    fi
    log "done"
}

main "$@"
