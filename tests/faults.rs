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
