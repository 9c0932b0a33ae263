//! Bad programs get Linux-like answers: one line on stderr naming the address, the region and
//! the faulting instruction with its source line, and exit status 128+signal — never a panic.

use crate::support::*;

fn run_test_program(name: &str) -> (i32, String) {
    let src = repo().join("guest/tests").join(format!("{name}.c"));
    let d = directives(&src);
    let out = run_rvscope(&guest_elf("tests", name), &d, &[]);
    (
        status_code(&out),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_one_line(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("rvscope:"))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "expected exactly one rvscope line, got:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    lines[0]
}

#[test]
fn null_dereference_is_sigsegv_with_address_region_and_line() {
    let (code, stderr) = run_test_program("null_deref");
    assert_eq!(code, 139, "{stderr}");
    let line = assert_one_line(&stderr);
    assert!(
        line.contains("segmentation fault at 0x00000000 (null page)"),
        "{line}"
    );
    assert!(line.contains(" by l"), "names the load instruction: {line}");
    assert!(
        line.contains("null_deref.c:"),
        "names the source line: {line}"
    );
}

#[test]
fn unbounded_recursion_is_a_stack_overflow() {
    let (code, stderr) = run_test_program("stack_overflow");
    assert_eq!(code, 139, "{stderr}");
    let line = assert_one_line(&stderr);
    assert!(line.contains("stack overflow"), "{line}");
    assert!(line.contains("stack_overflow.c:"), "{line}");
}

#[test]
fn store_to_text_is_sigsegv_not_writable() {
    let (code, stderr) = run_test_program("write_text");
    assert_eq!(code, 139, "{stderr}");
    let line = assert_one_line(&stderr);
    assert!(line.contains("(text: not writable)"), "{line}");
    assert!(line.contains(" by s"), "names the store: {line}");
}

#[test]
fn user_access_to_the_kernel_range_is_sigsegv() {
    let (code, stderr) = run_test_program("kernel_read");
    assert_eq!(code, 139, "{stderr}");
    let line = assert_one_line(&stderr);
    assert!(line.contains("at 0xc0000000 (kernel address)"), "{line}");
}

#[test]
fn executing_data_is_sigsegv_not_executable() {
    let (code, stderr) = run_test_program("exec_data");
    assert_eq!(code, 139, "{stderr}");
    let line = assert_one_line(&stderr);
    assert!(
        line.contains("(data: not executable) fetching the instruction"),
        "{line}"
    );
}

#[test]
fn privileged_instruction_is_sigill() {
    let (code, stderr) = run_test_program("illegal_insn");
    assert_eq!(code, 132, "{stderr}");
    let line = assert_one_line(&stderr);
    assert!(line.contains("illegal instruction mret"), "{line}");
    assert!(line.contains("illegal_insn.c:"), "{line}");
}

#[test]
fn misaligned_atomic_is_sigbus() {
    let (code, stderr) = run_test_program("misaligned_amo");
    assert_eq!(code, 135, "{stderr}");
    let line = assert_one_line(&stderr);
    assert!(
        line.contains("misaligned atomic") && line.contains("amoadd.w"),
        "{line}"
    );
}

/// The Sv32 path (DESIGN.md §2, §4): every fault below comes from the MMU's page-table walk —
/// a leaf without X, R-only or W-only rights, a supervisor-only (U = 0) megapage of the kernel's
/// linear map, no mapping at all — and each must still end in one report line that names the
/// region, with the exact status. Each case runs with the functional timing and with the
/// modelled TLBs and caches (the default), whose TLB-hit path checks permissions on its own.
#[test]
fn sv32_faults_name_the_region_in_one_line() {
    struct Case {
        program: &'static str,
        arg: &'static str,
        /// Every one of these is in the report line.
        want: &'static [&'static str],
    }
    let cases = [
        // Fetch from a resident page whose PTE has X clear (NX), in each writable region.
        Case {
            program: "nx_fetch",
            arg: "heap",
            want: &["segmentation fault at 0x", "(heap: not executable) fetching the instruction at 0x"],
        },
        Case {
            program: "nx_fetch",
            arg: "stack",
            want: &["segmentation fault at 0xbf", "(stack: not executable) fetching the instruction at 0xbf"],
        },
        Case {
            program: "nx_fetch",
            arg: "mmap",
            want: &["segmentation fault at 0xbf6", "(mmap: not executable) fetching"],
        },
        // Store to a read-only (R--) segment's page, after a load from it succeeded.
        Case {
            program: "write_rodata",
            arg: "",
            want: &["segmentation fault at 0x00300000 (rodata: not writable) by sb at 0x", "write_rodata.c:"],
        },
        // The kernel's range: a store and a load to supervisor-only megapages of the linear
        // map, a load past the end of RAM (no PTE at all), and a fetch.
        Case {
            program: "kernel_access",
            arg: "store",
            want: &["segmentation fault at 0xc0000040 (kernel address) by sw at 0x", "kernel_access.c:"],
        },
        Case {
            program: "kernel_access",
            arg: "ram-end",
            want: &["segmentation fault at 0xc7fffff0 (kernel address) by lw at 0x"],
        },
        Case {
            program: "kernel_access",
            arg: "top",
            want: &["segmentation fault at 0xfffffffc (kernel address) by lw at 0x"],
        },
        Case {
            program: "kernel_access",
            arg: "fetch",
            want: &["segmentation fault at 0xc0000000 (kernel address) fetching the instruction at 0xc0000000"],
        },
        // Around the bottom of the 8 MiB stack (limit 0xbf7ff000, 1 MiB guard gap below it):
        // 4 bytes below the limit is in the gap, 4 bytes below the gap is just unmapped.
        Case {
            program: "stack_guard",
            arg: "gap",
            want: &[
                "stack overflow at 0xbf7feffc (stack overflow: 8388612 bytes below the stack top) by sw at 0x",
                "stack_guard.c:",
            ],
        },
        Case {
            program: "stack_guard",
            arg: "below-gap",
            want: &["segmentation fault at 0xbf6feffc (unmapped) by lw at 0x", "stack_guard.c:"],
        },
    ];
    for case in &cases {
        let src = repo()
            .join("guest/tests")
            .join(format!("{}.c", case.program));
        let mut d = directives(&src);
        d.args = if case.arg.is_empty() {
            vec![]
        } else {
            vec![case.arg.to_owned()]
        };
        let elf = guest_elf("tests", case.program);
        for timing in ["functional", "full"] {
            let out = run_rvscope(&elf, &d, &["--timing", timing]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let what = format!("{} {} (--timing {timing})", case.program, case.arg);
            assert_eq!(status_code(&out), 139, "{what}: {stderr}");
            let line = assert_one_line(&stderr);
            for want in case.want {
                assert!(line.contains(want), "{what}: want {want:?} in\n{line}");
            }
        }
    }
}

/// Mutated ELFs (headers and code bytes flipped by a fixed-seed generator) must never make
/// rvscope panic: each run ends with a program status, a signal report, or a one-line error.
#[test]
fn mutated_elfs_never_panic() {
    let original = std::fs::read(guest_elf("tests", "exit_code")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        // xorshift64*: deterministic, so a failure reproduces.
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        seed.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    for case in 0..120 {
        let mut bytes = original.clone();
        let flips = 1 + next() % 8;
        for _ in 0..flips {
            // Half the mutations hit the ELF and program headers, half anywhere.
            let limit = if next() % 2 == 0 {
                0x200
            } else {
                bytes.len() as u64
            };
            let at = (next() % limit) as usize;
            bytes[at] = next() as u8;
        }
        let path = dir.path().join(format!("m{case}.elf"));
        std::fs::write(&path, &bytes).unwrap();
        let out = rvscope()
            .args(["run", "--max-insns", "200000"])
            .arg(&path)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "case {case}: {stderr}");
        assert_ne!(status_code(&out), 101, "case {case}: {stderr}");
    }
}
