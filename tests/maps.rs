//! `rvscope run --show-maps`: the regions at exit with their resident and dirty pages, read
//! from the page tables (README "`--show-maps`").

use crate::support::*;

/// Golden output of `maps_pages 8`; `RVSCOPE_BLESS=1 cargo test maps` rewrites it (review the
/// diff like code: every figure is explained in `show_maps_counts_the_pages_the_program_touched`).
const GOLDEN: &str = "tests/golden/maps_pages.txt";

fn run(args: &[&str], elf: &std::path::Path, prog_args: &[&str]) -> (i32, String) {
    let out = rvscope()
        .arg("run")
        .args(args)
        .arg(elf)
        .args(prog_args)
        .output()
        .unwrap();
    (
        status_code(&out),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The map's line for `region`, split into words.
fn line_of<'a>(map: &'a str, region: &str) -> Vec<&'a str> {
    map.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|w| w.get(2) == Some(&region))
        .unwrap_or_else(|| panic!("no {region} line in:\n{map}"))
}

#[test]
fn show_maps_matches_the_golden_file() {
    let (code, map) = run(&["--show-maps"], &guest_elf("tests", "maps_pages"), &["8"]);
    assert_eq!(code, 0, "{map}");
    let path = repo().join(GOLDEN);
    if std::env::var_os("RVSCOPE_BLESS").is_some() {
        std::fs::write(&path, &map).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        map, want,
        "--show-maps output changed (RVSCOPE_BLESS=1 rewrites {GOLDEN})"
    );
}

/// The figures of the golden file, computed from the program (guest/tests/maps_pages.c).
#[test]
fn show_maps_counts_the_pages_the_program_touched() {
    let elf = guest_elf("tests", "maps_pages");
    for k in [4u32, 8, 12] {
        let (code, map) = run(&["--show-maps"], &elf, &[&k.to_string()]);
        assert_eq!(code, 0, "{map}");
        // Heap: malloc's block starts 8 bytes into the heap's first page (its chunk header is
        // written there), the K whole pages follow (all read, every other one written), and
        // the page after them holds the top chunk's header and stdio's 1 KiB buffer (both
        // written). Resident K + 2, dirty K/2 + 2, and the break is right after that page.
        let heap = line_of(&map, "heap");
        assert_eq!(heap[3], format!("{}/{}", k + 2, k + 2), "K = {k}:\n{map}");
        assert_eq!(heap[4], (k / 2 + 2).to_string(), "K = {k}:\n{map}");
        // mmap: 4 pages, one written, one only read.
        let mmap = line_of(&map, "mmap");
        assert_eq!(&mmap[1..5], ["rw-p", "mmap", "2/4", "1"], "{map}");
        // The stack is reserved to its 8 MiB limit; one page is used.
        assert_eq!(line_of(&map, "stack")[3], "1/2048", "{map}");
        // 128 MiB of RAM (the default) is 32 megapages of the kernel's linear map.
        let kernel = line_of(&map, "kernel");
        assert_eq!(kernel[0], "c0000000-ffffffff", "{map}");
        assert!(map.contains("32 megapages (128 MiB)"), "{map}");
        // Totals: the regions' resident pages add up, and every frame in use is either one of
        // them or a page table (root + level-0 tables for the image/heap span, the mmap span
        // and the stack span).
        let resident: u32 = map
            .lines()
            .filter_map(|l| l.split_whitespace().nth(3)?.split_once('/'))
            .map(|(r, _)| r.parse::<u32>().unwrap())
            .sum();
        let total = |name: &str| -> u32 {
            let line = map.lines().find(|l| l.starts_with(name)).unwrap();
            line[name.len()..]
                .split_whitespace()
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        assert_eq!(total("resident pages"), resident, "{map}");
        assert_eq!(total("page-table frames"), 4, "{map}");
        assert_eq!(total("frames in use"), resident + 4, "{map}");
    }
}

#[test]
fn show_maps_is_printed_after_a_fatal_signal_and_at_the_instruction_limit() {
    let (code, stderr) = run(&["--show-maps"], &guest_elf("tests", "null_deref"), &[]);
    assert_eq!(code, 139, "{stderr}");
    let (report, map) = stderr
        .split_once("== rvscope memory map at exit")
        .unwrap_or_else(|| panic!("no map:\n{stderr}"));
    assert!(
        report.contains("segmentation fault at 0x00000000"),
        "{stderr}"
    );
    assert!(map.contains(" text "), "{map}");

    let (code, stderr) = run(
        &["--show-maps", "--max-insns", "100"],
        &guest_elf("tests", "maps_pages"),
        &["8"],
    );
    assert_eq!(code, 124, "{stderr}");
    assert!(
        stderr.contains("stopped after 100 instructions"),
        "{stderr}"
    );
    // Still in crt0: two pages of code, the data page and the stack page; no heap or mmap
    // region yet, and only the root and two level-0 tables.
    assert_eq!(line_of(&stderr, "text")[3], "2/10", "{stderr}");
    assert!(
        !stderr.contains(" heap ") && !stderr.contains(" mmap "),
        "{stderr}"
    );
    assert!(
        stderr.contains("resident pages            4  (16 KiB)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("frames in use             7  of"),
        "{stderr}"
    );
}

/// Reading the map is a look at the kernel's tables, not an access: every statistic (TLBs,
/// walks, caches included) is the same with and without `--show-maps`.
#[test]
fn show_maps_changes_no_statistic() {
    let elf = guest_elf("tests", "maps_pages");
    let dir = tempfile::tempdir().unwrap();
    let stats = |name: &str, extra: &[&str]| -> String {
        let path = dir.path().join(name);
        let out = rvscope()
            .arg("run")
            .arg("--stats-file")
            .arg(&path)
            .args(extra)
            .arg(&elf)
            .arg("8")
            .output()
            .unwrap();
        assert_eq!(status_code(&out), 0);
        std::fs::read_to_string(&path).unwrap()
    };
    assert_eq!(
        stats("plain.json", &[]),
        stats("maps.json", &["--show-maps"])
    );
}
