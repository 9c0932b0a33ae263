//! `rvscope disasm` equals `riscv64-unknown-elf-objdump -d` on every guest binary.

use std::collections::BTreeMap;
use std::process::Command;

use crate::support::*;

/// address → (hex bytes, text) from an objdump-style listing; ` <sym+off>` suffixes and
/// `# comments` are dropped, whitespace normalised.
fn listing(text: &str) -> BTreeMap<u32, (String, String)> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let mut parts = line.splitn(3, '\t');
        let (Some(addr), Some(hex), Some(insn)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let Some(addr) = addr.trim().strip_suffix(':') else {
            continue;
        };
        let Ok(addr) = u32::from_str_radix(addr, 16) else {
            continue;
        };
        let insn = insn.split(" <").next().unwrap_or(insn);
        let insn = insn.split('#').next().unwrap_or(insn);
        let insn = insn.split_whitespace().collect::<Vec<_>>().join(" ");
        out.insert(addr, (hex.trim().to_owned(), insn));
    }
    out
}

#[test]
fn disassembly_matches_objdump_on_every_guest_binary() {
    let mut mismatches = Vec::new();
    let mut checked = 0usize;
    for kind in ["tests", "examples"] {
        for src in guest_sources(kind) {
            let name = src.file_stem().unwrap().to_string_lossy().into_owned();
            let elf = guest_elf(kind, &name);
            let objdump = Command::new("riscv64-unknown-elf-objdump")
                .arg("-d")
                .arg(&elf)
                .output()
                .expect("riscv64-unknown-elf-objdump is required (toolchain/setup.sh installs it)");
            let ours = rvscope().arg("disasm").arg(&elf).output().unwrap();
            assert!(
                ours.status.success(),
                "{}",
                String::from_utf8_lossy(&ours.stderr)
            );
            let want = listing(&String::from_utf8_lossy(&objdump.stdout));
            let got = listing(&String::from_utf8_lossy(&ours.stdout));
            for (addr, (hex, text)) in &want {
                checked += 1;
                match got.get(addr) {
                    Some((_, t)) if t == text => {}
                    other => {
                        if mismatches.len() < 40 {
                            mismatches.push(format!(
                                "{kind}/{name} {addr:#x} {hex}: objdump `{text}`, rvscope `{:?}`",
                                other.map(|o| &o.1)
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 10_000, "only {checked} instructions compared");
    assert!(
        mismatches.is_empty(),
        "{} mismatches (first 40):\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn disasm_of_one_function_lists_only_that_function() {
    let elf = guest_elf("tests", "exit_code");
    let out = rvscope()
        .args(["disasm", "--function", "main"])
        .arg(&elf)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let headers: Vec<&str> = text.lines().filter(|l| l.ends_with(">:")).collect();
    assert_eq!(headers.len(), 1, "{text}");
    assert!(headers[0].ends_with("<main>:"), "{text}");
    let insns = listing(&text);
    assert!(insns.len() > 3, "{text}");
    assert!(
        insns
            .values()
            .any(|(_, t)| t.starts_with("ret") || t.starts_with("j") || t.contains("exit")),
        "{text}"
    );

    let missing = rvscope()
        .args(["disasm", "--function", "no_such_function"])
        .arg(&elf)
        .output()
        .unwrap();
    assert_eq!(status_code(&missing), 125);
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("no function named 'no_such_function'")
    );
}
