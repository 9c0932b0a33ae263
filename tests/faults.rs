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
