//! `rvscope run --bare`: every bare-metal test in guest/bare/ ends with the exit status and the
//! HTIF console output its directives give, in every timing mode (translation must not depend on
//! the model), and QEMU's spike machine — the oracle — agrees when it is installed. Unloadable
//! programs are one-line errors with exit status 126.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::*;

/// What a bare test expects, from its `// rvscope-exit:` and `// rvscope-stdout:` lines (at
/// column 0, as guest/bare/README.md says).
struct Expected {
    exit: i32,
    stdout: String,
}

fn expected(source: &Path) -> Expected {
    let text = std::fs::read_to_string(source).expect("reading a bare test");
    let mut e = Expected {
        exit: 0,
        stdout: String::new(),
    };
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("// rvscope-exit:") {
            e.exit = v.trim().parse().expect("rvscope-exit is a number");
        } else if let Some(v) = line.strip_prefix("// rvscope-stdout:") {
            e.stdout.push_str(v.trim());
            e.stdout.push('\n');
        }
    }
    e
}

/// guest/bare/*.S and *.c, sorted, with their ELFs.
fn bare_tests() -> Vec<(String, PathBuf, PathBuf)> {
    let out = build_guests().join("bare");
    let mut v: Vec<(String, PathBuf, PathBuf)> = std::fs::read_dir(repo().join("guest/bare"))
        .expect("guest/bare")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "S" || e == "c"))
        .map(|src| {
            let name = src.file_stem().unwrap().to_string_lossy().into_owned();
            let elf = out.join(format!("{name}.elf"));
            assert!(elf.exists(), "{} was not built", elf.display());
            (name, src, elf)
        })
        .collect();
    v.sort();
    v
}

fn run_bare(elf: &Path, extra: &[&str]) -> Output {
    rvscope()
        .args(["run", "--bare"])
        .args(extra)
        .arg(elf)
        .stdin(Stdio::null())
        .output()
        .expect("running rvscope")
}

/// Runs every bare test with `extra` flags; returns one message per mismatch.
fn check_all(extra: &[&str]) -> Vec<String> {
    let mut failures = Vec::new();
    let tests = bare_tests();
    assert_eq!(tests.len(), 11, "guest/bare holds 11 tests");
    for (name, src, elf) in tests {
        let want = expected(&src);
        let out = run_bare(&elf, extra);
        let (code, stdout) = (status_code(&out), String::from_utf8_lossy(&out.stdout));
        if code != want.exit || stdout != want.stdout {
            failures.push(format!(
                "{name} {extra:?}: exit {code} (want {}), stdout {stdout:?} (want {:?}), stderr {:?}",
                want.exit,
                want.stdout,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    failures
}

#[test]
fn bare_tests_pass_in_every_timing_mode() {
    let mut failures = Vec::new();
    for mode in ["functional", "tlb", "full"] {
        failures.extend(check_all(&["--timing", mode]));
    }
    // Small TLBs and caches: more misses, walks and evictions, the same results.
    failures.extend(check_all(&[
        "--itlb", "2:1", "--dtlb", "2:1", "--dc", "4:1:16", "--ic", "4:1:16",
    ]));
    assert!(
        failures.is_empty(),
        "{} mismatch(es):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn qemu_spike_agrees() {
    if Command::new("qemu-system-riscv32")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("note: qemu-system-riscv32 is not installed; skipping the QEMU comparison");
        return;
    }
    let mut failures = Vec::new();
    for (name, src, elf) in bare_tests() {
        let want = expected(&src);
        let qemu = Command::new("timeout")
            .arg("20")
            .arg("qemu-system-riscv32")
            .args([
                "-machine",
                "spike",
                "-nographic",
                "-bios",
                "none",
                "-kernel",
            ])
            .arg(&elf)
            .stdin(Stdio::null())
            .output()
            .expect("running qemu-system-riscv32");
        let ours = run_bare(&elf, &[]);
        let (qc, oc) = (status_code(&qemu), status_code(&ours));
        if qc != oc || qemu.stdout != ours.stdout || qc != want.exit {
            failures.push(format!(
                "{name}: qemu exit {qc} stdout {:?}; rvscope exit {oc} stdout {:?}; expected {}",
                String::from_utf8_lossy(&qemu.stdout),
                String::from_utf8_lossy(&ours.stdout),
                want.exit
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn stats_of_a_bare_run() {
    let (_, _, elf) = bare_tests()
        .into_iter()
        .find(|(n, _, _)| n == "sv32_basic")
        .expect("sv32_basic");
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("stats.json");
    let out = run_bare(&elf, &["--stats", "--stats-file", json.to_str().unwrap()]);
    assert_eq!(status_code(&out), 0);
    let text = String::from_utf8_lossy(&out.stderr);
    for want in [
        "instructions",
        "loads",
        "stores",
        "I-TLB",
        "page walks",
        "L1D",
    ] {
        assert!(text.contains(want), "--stats lacks {want}:\n{text}");
    }
    assert!(!text.contains("syscalls"), "{text}");
    let stats: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(stats["machine"], "bare");
    assert_eq!(stats["exit"]["status"], 0);
    assert!(stats["instructions"].as_u64().unwrap() > 100);
    assert!(
        stats["mmu"]["walks"]["walks"].as_u64().unwrap() > 0,
        "{stats}"
    );
    assert_eq!(stats["regions"], serde_json::json!({}));
}

#[test]
fn max_insns_ends_a_bare_run_with_124() {
    let (_, _, elf) = bare_tests()
        .into_iter()
        .find(|(n, _, _)| n == "console_hello")
        .expect("console_hello");
    let out = run_bare(&elf, &["--max-insns", "50"]);
    assert_eq!(status_code(&out), 124);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("stopped after 50 instructions"), "{err}");
}

/// A minimal ELF32 executable: one PT_LOAD of `j .` at `addr` (entry), no sections, so no
/// symbols; `machine` is e_machine.
fn tiny_elf(addr: u32, machine: u16) -> Vec<u8> {
    const EHDR: u32 = 52;
    const PHDR: u32 = 32;
    let code = 0x0000_006fu32.to_le_bytes(); // jal x0, 0
    let mut e = Vec::new();
    e.extend_from_slice(b"\x7fELF\x01\x01\x01\0\0\0\0\0\0\0\0\0");
    e.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    e.extend_from_slice(&machine.to_le_bytes());
    e.extend_from_slice(&1u32.to_le_bytes()); // e_version
    e.extend_from_slice(&addr.to_le_bytes()); // e_entry
    e.extend_from_slice(&EHDR.to_le_bytes()); // e_phoff
    e.extend_from_slice(&0u32.to_le_bytes()); // e_shoff
    e.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    for half in [EHDR as u16, PHDR as u16, 1, 40, 0, 0] {
        e.extend_from_slice(&half.to_le_bytes());
    }
    let offset = EHDR + PHDR;
    for word in [1u32, offset, addr, addr, 4, 4, 5, 4] {
        e.extend_from_slice(&word.to_le_bytes());
    }
    e.extend_from_slice(&code);
    e
}

const EM_RISCV: u16 = 243;

#[test]
fn unloadable_programs_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let user_program = guest_elf("tests", "exit_code");
    let cases: Vec<(PathBuf, Vec<&str>, &str)> = vec![
        (
            write("no_tohost.elf", &tiny_elf(0x8000_0000, EM_RISCV)),
            vec![],
            "no `tohost` symbol",
        ),
        (
            write("low.elf", &tiny_elf(0x1_0000, EM_RISCV)),
            vec![],
            "lies outside RAM 0x80000000..0x88000000 (--ram 128M)",
        ),
        (
            write("high.elf", &tiny_elf(0x8010_0000, EM_RISCV)),
            vec!["--ram", "64K"],
            "lies outside RAM 0x80000000..0x80010000 (--ram 64K)",
        ),
        // A user-mode program is linked at 0x10000, outside RAM.
        (user_program, vec![], "outside RAM"),
        (
            write("x86.elf", &tiny_elf(0x8000_0000, 62)),
            vec![],
            "not RISC-V",
        ),
        (
            PathBuf::from(env!("CARGO_BIN_EXE_rvscope")),
            vec![],
            "not a 32-bit ELF",
        ),
    ];
    for (elf, extra, want) in cases {
        let out = run_bare(&elf, &extra);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(status_code(&out), 126, "{}: {err}", elf.display());
        assert!(
            err.contains(want),
            "{}: want {want:?} in {err:?}",
            elf.display()
        );
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_bare_program_takes_no_arguments() {
    let (_, _, elf) = bare_tests().into_iter().next().unwrap();
    let out = rvscope()
        .args(["run", "--bare"])
        .arg(&elf)
        .arg("extra")
        .output()
        .unwrap();
    assert_eq!(status_code(&out), 125);
    assert!(String::from_utf8_lossy(&out.stderr).contains("takes no arguments"));
}
