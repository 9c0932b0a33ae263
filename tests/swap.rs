//! Limited RAM, page replacement and swap (DESIGN.md §6, issue 6): results never depend on the
//! RAM size or the page policy, only cycles and fault counts do; running out of RAM and swap is
//! SIGKILL with one line, never a panic or a hang.

use serde_json::Value;

use crate::support::*;

/// Runs `kind/name` with its directives plus `extra`; returns stdout, exit status and the
/// JSON statistics.
fn run_with_stats(kind: &str, name: &str, extra: &[&str]) -> (Vec<u8>, i32, Value) {
    let src = repo().join("guest").join(kind).join(format!("{name}.c"));
    let d = directives(&src);
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("stats.json");
    let mut args: Vec<&str> = extra.to_vec();
    args.extend(["--stats-file", json.to_str().unwrap()]);
    let out = run_rvscope(&guest_elf(kind, name), &d, &args);
    let stats = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let code = status_code(&out);
    (out.stdout, code, stats)
}

#[test]
fn a_checksum_over_more_than_ram_is_the_same_at_any_ram_size_and_policy() {
    let src = repo().join("guest/tests/swap_checksum.c");
    let d = directives(&src);
    let oracle = run_qemu(&guest_elf("tests", "swap_checksum"), &d);
    assert_eq!(status_code(&oracle), 0);
    // The functional model keeps the 1 MiB runs (hundreds of thousands of major faults) quick;
    // paging does not depend on the timing mode.
    for policy in ["clock", "fifo", "lru"] {
        for ram in ["1M", "4M", "1G"] {
            let (stdout, code, stats) = run_with_stats(
                "tests",
                "swap_checksum",
                &[
                    "--timing",
                    "functional",
                    "--ram",
                    ram,
                    "--page-policy",
                    policy,
                ],
            );
            let what = format!("--ram {ram} --page-policy {policy}");
            assert_eq!(code, 0, "{what}");
            assert_eq!(
                String::from_utf8_lossy(&stdout),
                String::from_utf8_lossy(&oracle.stdout),
                "{what}"
            );
            let paging = &stats["paging"];
            assert_eq!(paging["page_policy"], policy);
            let major = paging["major_faults"].as_u64().unwrap();
            // The 3 MiB buffer does not fit 1 MiB of RAM: pages go out and come back. With
            // 4 MiB and 1 GiB everything stays resident.
            // Every page moved costs the swap latency (default 100,000 cycles), and those
            // cycles are the CPI stack's `swap` component, apart from the faults' own.
            let moved =
                paging["swap_ins"].as_u64().unwrap() + paging["swap_outs"].as_u64().unwrap();
            assert_eq!(
                stats["cpi_stack"]["swap"].as_u64(),
                Some(moved * 100_000),
                "{what}"
            );
            if ram == "1M" {
                assert!(major > 1000, "{what}: {major} major faults");
                assert!(paging["swap_outs"].as_u64().unwrap() > 1000, "{what}");
                assert!(paging["swap_peak_slots"].as_u64().unwrap() >= 512, "{what}");
            } else {
                assert_eq!(major, 0, "{what}");
                assert_eq!(paging["swap_outs"], 0, "{what}");
            }
            assert!(
                paging["resident_peak_pages"].as_u64().unwrap() * 4096
                    <= stats["ram_bytes"].as_u64().unwrap()
            );
        }
    }
}

#[test]
fn out_of_ram_and_swap_is_sigkill_with_one_line() {
    // Unbounded recursion: the stack is not limited by the commit check (like Linux, it is
    // reserved up to its 8 MiB limit), so it grows until 256 KiB of RAM and 256 KiB of swap are
    // full, long before the stack limit.
    let src = repo().join("guest/tests/stack_overflow.c");
    let d = directives(&src);
    let out = run_rvscope(
        &guest_elf("tests", "stack_overflow"),
        &d,
        &["--ram", "256K", "--swap", "256K"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(status_code(&out), 137, "{stderr}");
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("rvscope:"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("rvscope: out of memory: RAM 256 KiB, swap 256 KiB, resident "),
        "{}",
        lines[0]
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn malloc_returns_null_when_the_heap_would_outgrow_ram_and_swap() {
    // 1 MiB RAM + 2 MiB swap = 768 pages of commit; the image takes a few dozen, so the heap
    // gets 2 MiB (eight 256 KiB blocks) and the ninth brk is refused: malloc returns NULL.
    let src = repo().join("guest/examples/heap_exhaust.c");
    let mut d = directives(&src);
    d.args = vec!["0".into()]; // no limit: until malloc returns NULL
    let out = run_rvscope(
        &guest_elf("examples", "heap_exhaust"),
        &d,
        &["--timing", "functional", "--ram", "1M", "--swap", "2M"],
    );
    assert_eq!(status_code(&out), 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text, "got 2 MiB before malloc returned NULL (limit none), 0 bad pages\n",
        "{text}"
    );
}
