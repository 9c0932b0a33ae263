#!/usr/bin/env bash
# toolchain/riscv-tests.sh RISCV_TESTS_DIR [OUTDIR] — build the public riscv-tests ISA suite for
# RV32 and run every test on `rvscope run --bare`.
#
# RISCV_TESTS_DIR is a checkout of https://github.com/riscv-software-src/riscv-tests with its
# `env` submodule (https://github.com/riscv/riscv-test-env) filled in. Nothing of it is in this
# repository; bring your own copy. The suites run are the ones rvscope implements:
#   rv32ui rv32um rv32ua rv32uc  in the `p` (physical, M-mode) and `v` (Sv32 virtual memory,
#                                with the suite's own little supervisor) environments,
#   rv32mi rv32si                in `p`.
# A test passes when it writes 1 to HTIF tohost (rvscope exits 0); otherwise rvscope's exit
# status is the failing test number. OUTDIR (default <repo>/target/riscv-tests) receives the
# ELFs. Exit status: 0 if every test passed, 1 otherwise.
set -euo pipefail

TOOLCHAIN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "${TOOLCHAIN_DIR}/.." && pwd)
readonly TOOLCHAIN_DIR REPO_DIR
readonly NEWLIB_INCLUDE=${XDG_CACHE_HOME:-${HOME}/.cache}/rvscope/newlib-3.3.0/rv32imac/include
readonly GCC=riscv64-unknown-elf-gcc

if [[ $# -lt 1 || ! -d $1/isa || ! -f $1/env/p/link.ld ]]; then
  echo "usage: toolchain/riscv-tests.sh RISCV_TESTS_DIR [OUTDIR] (a riscv-tests checkout with env/)" >&2
  exit 2
fi
TESTS=$(cd "$1" && pwd)
OUTDIR=${2:-${REPO_DIR}/target/riscv-tests}
mkdir -p "${OUTDIR}"
readonly TESTS OUTDIR

command -v "${GCC}" >/dev/null || { echo "riscv-tests.sh: ${GCC} missing; run toolchain/setup.sh" >&2; exit 2; }
[[ -d ${NEWLIB_INCLUDE} ]] || { echo "riscv-tests.sh: ${NEWLIB_INCLUDE} missing; run toolchain/setup.sh" >&2; exit 2; }

(cd "${REPO_DIR}" && cargo build --release --quiet)
readonly RVSCOPE=${REPO_DIR}/target/release/rvscope

COMMON=(-mabi=ilp32 -static -mcmodel=medany -fvisibility=hidden -nostdlib -nostartfiles)

build() { # suite env name
  local suite=$1 env=$2 name=$3 src=${TESTS}/isa/$1/$3.S out=${OUTDIR}/$1-$2-$3
  if [[ $env == p ]]; then
    "${GCC}" -march=rv32imac_zicsr_zifencei "${COMMON[@]}" \
      -I"${TESTS}/env/p" -I"${TESTS}/isa/macros/scalar" -T"${TESTS}/env/p/link.ld" \
      "${src}" -o "${out}"
  else
    # The v environment's C code saves FP state when misa says F; it is built with F so it
    # assembles, and never runs an FP instruction on rvscope (misa has no F).
    "${GCC}" -march=rv32imafc_zicsr_zifencei "${COMMON[@]}" -std=gnu99 -O2 \
      -DENTROPY=0x$(printf '%s' "${name}" | cksum | cut -c1-7) \
      -isystem "${NEWLIB_INCLUDE}" -I"${TESTS}/env/v" -I"${TESTS}/isa/macros/scalar" \
      -T"${TESTS}/env/v/link.ld" "${TESTS}"/env/v/entry.S "${TESTS}"/env/v/*.c "${src}" \
      -o "${out}"
  fi
  echo "${out}"
}

pass=0
failed=()
for suite in rv32ui rv32um rv32ua rv32uc rv32mi rv32si; do
  envs=(p v)
  [[ $suite == rv32mi || $suite == rv32si ]] && envs=(p)
  for src in "${TESTS}"/isa/${suite}/*.S; do
    name=$(basename "${src}" .S)
    for env in "${envs[@]}"; do
      elf=$(build "${suite}" "${env}" "${name}")
      if timeout 60 "${RVSCOPE}" run --bare "${elf}" >/dev/null 2>"${elf}.stderr"; then
        pass=$((pass + 1))
      else
        failed+=("${suite}-${env}-${name} (exit $?)")
      fi
    done
  done
done

echo "riscv-tests: ${pass} passed, ${#failed[@]} failed"
for f in "${failed[@]}"; do echo "  FAIL ${f}"; done
[[ ${#failed[@]} -eq 0 ]]
