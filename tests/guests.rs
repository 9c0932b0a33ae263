//! Every guest program's stdout and exit status equal qemu-riscv32's (DESIGN.md §11).

use crate::support::*;

fn compare_kind(kind: &str) {
    let mut failures = Vec::new();
    let sources = guest_sources(kind);
    assert!(!sources.is_empty(), "no guest programs under guest/{kind}");
    for src in sources {
        let name = src.file_stem().unwrap().to_string_lossy().into_owned();
        let d = directives(&src);
        let elf = guest_elf(kind, &name);
        let ours = run_rvscope(&elf, &d, &[]);
        let oracle = run_qemu(&elf, &d);
        let (ours_code, oracle_code) = (status_code(&ours), status_code(&oracle));
        if ours.stdout != oracle.stdout || ours_code != oracle_code || ours_code != d.exit {
            failures.push(format!(
                "{kind}/{name}: rvscope exit {ours_code}, qemu exit {oracle_code}, expected {}\n\
                 --- rvscope stdout ---\n{}\n--- qemu stdout ---\n{}\n--- rvscope stderr ---\n{}",
                d.exit,
                String::from_utf8_lossy(&ours.stdout),
                String::from_utf8_lossy(&oracle.stdout),
                String::from_utf8_lossy(&ours.stderr),
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} program(s) differ from qemu-riscv32:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn test_programs_match_qemu() {
    compare_kind("tests");
}

#[test]
fn examples_match_qemu() {
    compare_kind("examples");
}
