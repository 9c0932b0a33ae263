//! `disasm` must print exactly what `riscv64-unknown-elf-objdump -d` prints.
//!
//! Each test writes assembly (or C) to a temp dir, builds it with the cross toolchain, runs
//! `objdump -d`, and parses every instruction line with [`parse_objdump_line`], which removes
//! objdump's ` <symbol+off>` target annotations and `# …` comments (e.g. the address objdump
//! computes for an auipc/jalr or lui/addi pair: `jalr\ta0 # 10008 <x>`) — `disasm` sees one
//! instruction at a time and prints neither. Everything else must match byte for byte, using the
//! CSR names of the privileged-spec version recorded in the object (see [`PrivSpec`]).
//!
//! The tools are required: a missing toolchain is a test failure, not a skip.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::isa::objdump::parse_objdump_line;
use crate::isa::{decode, disasm_with, encode, Insn, PrivSpec, Reg};

use super::gen::{biased_word, variant_index, Rng, VARIANTS};

const AS: &str = "riscv64-unknown-elf-as";
const GCC: &str = "riscv64-unknown-elf-gcc";
const OBJDUMP: &str = "riscv64-unknown-elf-objdump";
const READELF: &str = "riscv64-unknown-elf-readelf";
/// The ISA string for `as`; binutils 2.40 wants Zicsr/Zifencei spelled out.
const MARCH: &str = "rv32imac_zicsr_zifencei";

/// Directives giving an object the priv-spec attribute `as` records whenever CSR mnemonics are
/// used. Files of raw `.insn` lines would otherwise get none, and objdump would use 1.12 names.
const PRIV_1_11: &str = " .attribute priv_spec, 1\n .attribute priv_spec_minor, 11\n";
/// The same for 1.12.
const PRIV_1_12: &str = " .attribute priv_spec, 1\n .attribute priv_spec_minor, 12\n";

/// A scratch directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let name = format!("rvscope-isa-{tag}-{}-{n}", std::process::id());
        let dir = std::env::temp_dir().join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a tool, panicking (test failure) if it is missing or fails.
fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run {cmd:?} (is the RISC-V cross toolchain installed?): {e}")
    });
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Parsed `objdump -d` output of one object.
struct Listing {
    /// (address, raw, length, normalised text) per instruction line.
    lines: Vec<(u32, u32, u8, String)>,
    /// The CSR-name version objdump used (from the object's priv-spec attribute).
    spec: PrivSpec,
}

/// Which privileged spec objdump uses for `obj`: its `Tag_RISCV_priv_spec` attribute as
/// `readelf` reports it, or 1.12 (objdump's default) when there is none. Cross-checks
/// [`PrivSpec::from_riscv_attributes`] on the raw section.
fn priv_spec(obj: &Path) -> PrivSpec {
    let attrs = run(Command::new(READELF).arg("-A").arg(obj));
    let minor = attrs
        .lines()
        .find_map(|l| l.trim().strip_prefix("Tag_RISCV_priv_spec_minor: "));
    let spec = match minor {
        Some("11") => PrivSpec::V1_11,
        None | Some("12") => PrivSpec::V1_12,
        Some(v) => panic!("unexpected priv spec 1.{v} in {obj:?}"),
    };
    use object::{Object, ObjectSection};
    let data = std::fs::read(obj).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let section = file
        .section_by_name(".riscv.attributes")
        .expect("attributes section");
    let parsed = PrivSpec::from_riscv_attributes(section.data().unwrap());
    assert_eq!(
        parsed, spec,
        "attribute parser disagrees with readelf on {obj:?}:\n{attrs}"
    );
    spec
}

/// `objdump -d` of an object.
fn dump(obj: &Path) -> Listing {
    let text = run(Command::new(OBJDUMP).arg("-d").arg(obj));
    let lines: Vec<_> = text.lines().filter_map(parse_objdump_line).collect();
    assert!(
        !lines.is_empty(),
        "no instructions in objdump output:\n{text}"
    );
    Listing {
        lines,
        spec: priv_spec(obj),
    }
}

/// Assembles `asm` and returns objdump's listing of it.
fn assemble_and_dump(asm: &str, tag: &str) -> Listing {
    let dir = TempDir::new(tag);
    let src = dir.0.join("t.s");
    let obj = dir.0.join("t.o");
    std::fs::write(&src, asm).unwrap();
    run(Command::new(AS)
        .arg(format!("-march={MARCH}"))
        .arg("-mabi=ilp32")
        .arg("-o")
        .arg(&obj)
        .arg(&src));
    dump(&obj)
}

/// Decodes and disassembles every line, returning the mismatches as readable strings.
fn mismatches(listing: &Listing) -> Vec<String> {
    let mut bad = Vec::new();
    for (addr, raw, len, text) in &listing.lines {
        let d = decode(*raw);
        let ours = disasm_with(&d, *addr, listing.spec);
        if d.len != *len || ours != *text {
            bad.push(format!(
                "{addr:#x}: {raw:0w$x}: objdump {text:?}, disasm {ours:?} (len {}) from {:?}",
                d.len,
                d.insn,
                w = *len as usize * 2
            ));
        }
    }
    bad
}

fn assert_agree(listing: &Listing, what: &str) {
    let bad = mismatches(listing);
    assert!(
        bad.is_empty(),
        "{what}: {} of {} lines differ from objdump:\n{}",
        bad.len(),
        listing.lines.len(),
        bad.iter().take(60).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// The hand-written file covering every instruction and alias; also checks that every `Insn`
/// variant occurs in it.
#[test]
fn handwritten_file_matches_objdump() {
    let listing = assemble_and_dump(include_str!("../testdata/all.s"), "all");
    assert_eq!(
        listing.spec,
        PrivSpec::V1_11,
        "as records 1.11 when CSRs are used"
    );
    assert_agree(&listing, "testdata/all.s");
    let mut seen = [false; VARIANTS];
    for (_, raw, _, _) in &listing.lines {
        seen[variant_index(&decode(*raw).insn)] = true;
    }
    let missing: Vec<usize> = (0..VARIANTS).filter(|&i| !seen[i]).collect();
    assert!(
        missing.is_empty(),
        "variants not covered by all.s: {missing:?}"
    );
    assert!(listing.lines.len() > 300, "{}", listing.lines.len());
}

/// Every 16-bit encoding (49152 halfwords), legal or not.
#[test]
fn every_compressed_halfword_matches_objdump() {
    let mut asm = String::from(PRIV_1_11);
    for h in 0..=0xffffu32 {
        if h & 3 != 3 {
            asm.push_str(&format!(" .insn 2, 0x{h:04x}\n"));
        }
    }
    let listing = assemble_and_dump(&asm, "rvc");
    assert_eq!(listing.lines.len(), 49152);
    for (i, (addr, _, len, _)) in listing.lines.iter().enumerate() {
        assert_eq!((*addr, *len), (2 * i as u32, 2));
    }
    assert_agree(&listing, "all halfwords");
}

/// Number of words for [`random_words_match_objdump`] and its seed: 40000 and a fixed seed, or
/// `RVSCOPE_ISA_WORDS` / `RVSCOPE_ISA_SEED` from the environment for a longer soak.
fn random_word_params() -> (usize, u64) {
    let get = |k: &str| std::env::var(k).ok().and_then(|v| v.parse().ok());
    (
        get("RVSCOPE_ISA_WORDS").unwrap_or(40_000) as usize,
        get("RVSCOPE_ISA_SEED").unwrap_or(0x5eed_1234),
    )
}

/// Random 32-bit encodings, legal and illegal: three quarters biased towards real opcodes and
/// alias-selecting fields, one quarter uniform.
#[test]
fn random_words_match_objdump() {
    let (n, seed) = random_word_params();
    let mut rng = Rng(seed);
    let mut asm = String::from(PRIV_1_11);
    let mut legal = 0;
    for i in 0..n {
        let w = if i % 4 == 3 {
            // Uniform, but a 32-bit length encoding (bits 1:0 = 11, bits 4:2 != 111).
            let w = rng.next() as u32 | 3;
            if w & 0x1c == 0x1c {
                w & !0x10
            } else {
                w
            }
        } else {
            biased_word(&mut rng)
        };
        if !matches!(decode(w).insn, Insn::Illegal { .. }) {
            legal += 1;
        }
        asm.push_str(&format!(" .insn 4, 0x{w:08x}\n"));
    }
    let listing = assemble_and_dump(&asm, "rand32");
    assert_eq!(listing.lines.len(), n);
    assert!(legal > n / 3, "generator too weak: {legal} of {n} legal");
    assert_agree(&listing, &format!("random words (seed {seed:#x})"));
}

/// Every CSR number in each CSR instruction form (names, aliases, `unimp`), under both
/// privileged-spec versions.
#[test]
fn every_csr_matches_objdump() {
    for (attr, spec) in [(PRIV_1_11, PrivSpec::V1_11), (PRIV_1_12, PrivSpec::V1_12)] {
        let mut asm = String::from(attr);
        for csr in 0..4096u16 {
            for (rd, src, f3) in [
                (10, 0, 2),
                (0, 0, 2),
                (0, 0, 1),
                (10, 11, 1),
                (0, 11, 2),
                (10, 3, 7),
                (0, 0, 5),
            ] {
                let (rd, rs1) = (Reg(rd), Reg(src));
                let insn = match f3 {
                    1 => Insn::Csrrw { rd, rs1, csr },
                    2 => Insn::Csrrs { rd, rs1, csr },
                    5 => Insn::Csrrwi { rd, uimm: src, csr },
                    _ => Insn::Csrrci { rd, uimm: src, csr },
                };
                asm.push_str(&format!(" .insn 4, 0x{:08x}\n", encode(&insn)));
            }
        }
        let listing = assemble_and_dump(&asm, "csr");
        assert_eq!(listing.spec, spec);
        assert_eq!(listing.lines.len(), 4096 * 7);
        assert_agree(&listing, &format!("CSRs ({spec:?})"));
    }
}

/// Real compiler output: C snippets in testdata compiled at several optimisation levels.
#[test]
fn gcc_output_matches_objdump() {
    let sources = [
        ("algo.c", include_str!("../testdata/algo.c")),
        ("atomics.c", include_str!("../testdata/atomics.c")),
        ("system.c", include_str!("../testdata/system.c")),
    ];
    let dir = TempDir::new("gcc");
    let mut total = 0;
    for (name, text) in sources {
        let src = dir.0.join(name);
        std::fs::write(&src, text).unwrap();
        // system.c uses CSR/fence.i inline asm, which needs the extensions named explicitly.
        let march = if name == "system.c" {
            MARCH
        } else {
            "rv32imac"
        };
        for opt in ["-O2", "-O0", "-Os", "-O3"] {
            let obj = dir.0.join(format!("{name}{opt}.o"));
            run(Command::new(GCC)
                .arg(format!("-march={march}"))
                .arg("-mabi=ilp32")
                .arg(opt)
                .arg("-ffreestanding")
                .arg("-c")
                .arg("-o")
                .arg(&obj)
                .arg(&src));
            let listing = dump(&obj);
            total += listing.lines.len();
            assert_agree(&listing, &format!("{name} {opt}"));
        }
    }
    assert!(total > 2000, "{total}");
}
