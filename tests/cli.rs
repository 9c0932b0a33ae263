//! rvscope's own errors: one line, exit 125 (usage), 126 (not runnable), 127 (not found).

use std::io::Write;

use crate::support::*;

fn run(args: &[&str]) -> (i32, String) {
    let out = rvscope().args(args).output().expect("running rvscope");
    (
        status_code(&out),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    f
}

#[test]
fn missing_elf_is_127() {
    let (code, err) = run(&["run", "/nonexistent/prog.elf"]);
    assert_eq!(code, 127, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/prog.elf"), "{err}");
    // The host's reason once (it was printed twice: in the message and as its cause).
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}

#[test]
fn unrunnable_files_are_126_with_one_line() {
    let host = std::env::current_exe().unwrap();
    let garbage = file_with(&[0x5a; 300]);
    let elf_header_only = file_with(b"\x7fELF\x01\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\xf3\0");
    let real = guest_elf("tests", "exit_code");
    let bytes = std::fs::read(&real).unwrap();
    let truncated = file_with(&bytes[..bytes.len().min(600)]);
    let empty = file_with(b"");
    for (what, path) in [
        ("host x86-64 binary", host.as_path()),
        ("garbage", garbage.path()),
        ("header only", elf_header_only.path()),
        ("truncated ELF", truncated.path()),
        ("empty file", empty.path()),
    ] {
        let (code, err) = run(&["run", path.to_str().unwrap()]);
        assert_eq!(code, 126, "{what}: {err}");
        assert_eq!(err.lines().count(), 1, "{what}: {err}");
        assert!(!err.contains("panicked"), "{what}: {err}");
    }
}

#[test]
fn bad_flags_are_125() {
    let elf = guest_elf("tests", "exit_code");
    let elf = elf.to_str().unwrap();
    for args in [
        vec!["run", "--stack-size", "lots", elf],
        vec!["run", "--stack-size", "1K", elf],
        vec!["run", "--ram", "8X", elf],
        vec!["run", "--env", "NOEQUALS", elf],
        vec!["run", "--fs-root", "/nonexistent-dir", elf],
        vec!["frobnicate"],
    ] {
        let (code, err) = run(&args);
        assert_eq!(code, 125, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn exit_status_passes_through() {
    let elf = guest_elf("tests", "exit_code");
    for n in ["0", "3", "42", "255"] {
        let out = rvscope()
            .args(["run", elf.to_str().unwrap(), n])
            .output()
            .unwrap();
        assert_eq!(status_code(&out), n.parse::<i32>().unwrap());
    }
}

#[test]
fn max_insns_stops_cleanly() {
    let elf = guest_elf("examples", "recursion");
    let out = rvscope()
        .args(["run", "--max-insns", "1000", elf.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(status_code(&out), 124);
    assert!(String::from_utf8_lossy(&out.stderr).contains("stopped after 1000 instructions"));
}

#[test]
fn stats_json_counts_instructions_and_regions() {
    let elf = guest_elf("examples", "hello");
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("stats.json");
    let out = rvscope()
        .args([
            "run",
            "--stats",
            "--stats-file",
            json_path.to_str().unwrap(),
            elf.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(status_code(&out), 0);
    let stats: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert_eq!(stats["schema"], "rvscope-stats/1");
    let insns = stats["instructions"].as_u64().unwrap();
    assert!(insns > 1000, "{stats}");
    let mix_total: u64 = stats["instruction_mix"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(
        mix_total, insns,
        "the instruction mix covers every retired instruction"
    );
    assert!(stats["regions"]["stack"]["stores"].as_u64().unwrap() > 0);
    assert!(stats["regions"]["text"]["minor_faults"].as_u64().unwrap() > 0);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("instruction mix") && text.contains("stack"),
        "{text}"
    );
}

/// A valid guest ELF with a few bytes changed: each variant must be refused with exit 126 and a
/// one-line reason naming the problem.
#[test]
fn loader_refuses_what_it_cannot_run() {
    let original = std::fs::read(guest_elf("tests", "exit_code")).unwrap();
    // ELF32 header and program-header fields (offsets from the ELF specification).
    const E_TYPE: usize = 16;
    const E_MACHINE: usize = 18;
    const E_FLAGS: usize = 36;
    const E_PHOFF: usize = 28;
    let phoff = u32::from_le_bytes(original[E_PHOFF..E_PHOFF + 4].try_into().unwrap()) as usize;
    let phnum = u16::from_le_bytes(original[44..46].try_into().unwrap()) as usize;
    let ph = |i: usize| phoff + 32 * i;
    let load_index = (0..phnum)
        .find(|&i| u32::from_le_bytes(original[ph(i)..ph(i) + 4].try_into().unwrap()) == 1)
        .expect("a PT_LOAD");
    let patch = |edits: &[(usize, &[u8])]| {
        let mut b = original.clone();
        for (at, bytes) in edits {
            b[*at..*at + bytes.len()].copy_from_slice(bytes);
        }
        b
    };
    let mut no_load = original.clone();
    for i in 0..phnum {
        if u32::from_le_bytes(no_load[ph(i)..ph(i) + 4].try_into().unwrap()) == 1 {
            no_load[ph(i)..ph(i) + 4].copy_from_slice(&0u32.to_le_bytes());
        }
    }
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "position-independent",
            patch(&[(E_TYPE, &3u16.to_le_bytes())]),
        ),
        ("not RISC-V", patch(&[(E_MACHINE, &62u16.to_le_bytes())])),
        ("hard-float", patch(&[(E_FLAGS, &0x5u32.to_le_bytes())])),
        ("no PT_LOAD", no_load),
        (
            "dynamically linked",
            patch(&[(ph(load_index), &3u32.to_le_bytes())]),
        ),
        // Move the text segment's virtual address into the kernel's range.
        (
            "kernel range",
            patch(&[(ph(load_index) + 8, &0xc000_0000u32.to_le_bytes())]),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (want, bytes) in cases {
        let path = dir.path().join("patched.elf");
        std::fs::write(&path, bytes).unwrap();
        let (code, err) = run(&["run", path.to_str().unwrap()]);
        assert_eq!(code, 126, "{want}: {err}");
        assert_eq!(err.lines().count(), 1, "{want}: {err}");
        assert!(err.contains(want), "expected '{want}' in: {err}");
    }
}

#[test]
fn reader_closing_the_pipe_ends_the_program_with_sigpipe() {
    use std::io::Read;
    let elf = guest_elf("tests", "many_lines");
    let mut child = rvscope()
        .arg("run")
        .arg(&elf)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    assert!(first.starts_with(b"line 0 of many\n"));
    drop(child.stdout.take()); // like `| head -c 64`
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        status_code(&out),
        141,
        "SIGPIPE, as Linux and qemu-riscv32 end it"
    );
    assert!(
        out.stderr.is_empty(),
        "a shell reports SIGPIPE silently: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_stack_size_reaching_the_program_is_a_usage_error() {
    // Move the data segment (the second PT_LOAD) to 0xa0000000: fine with the default 8 MiB
    // stack, but a 512 MiB stack would reach down into it.
    let mut bytes = std::fs::read(guest_elf("tests", "exit_code")).unwrap();
    let phoff = u32::from_le_bytes(bytes[28..32].try_into().unwrap()) as usize;
    let phnum = u16::from_le_bytes(bytes[44..46].try_into().unwrap()) as usize;
    let loads: Vec<usize> = (0..phnum)
        .map(|i| phoff + 32 * i)
        .filter(|&ph| u32::from_le_bytes(bytes[ph..ph + 4].try_into().unwrap()) == 1)
        .collect();
    let data = *loads.last().unwrap();
    bytes[data + 8..data + 12].copy_from_slice(&0xa000_0000u32.to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("high_data.elf");
    std::fs::write(&path, bytes).unwrap();
    let (code, err) = run(&["run", "--stack-size", "512M", path.to_str().unwrap()]);
    assert_eq!(code, 125, "{err}");
    assert!(
        err.contains("would overlap the program's segment at 0xa0000000"),
        "{err}"
    );
}
