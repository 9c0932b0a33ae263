//! CSR names as objdump prints them. They depend on the privileged-spec version objdump reads
//! from the object's `.riscv.attributes` section, so that version is modelled too.

use std::fmt::Write;

/// The privileged-spec version whose CSR names objdump uses. objdump takes it from the object's
/// `Tag_RISCV_priv_spec` attribute: GNU `as` 2.40 records 1.11 in every object that contains a CSR
/// instruction, and objdump falls back to 1.12 when the attribute is absent (then, though, the
/// code contains no CSR instruction whose name could differ). The two differ only in rarely
/// used CSRs (`ustatus`/`uie`/`utvec`/`uscratch`/`uepc`/`ucause`/`utval`/`uip`/`sedeleg`/`sideleg`
/// exist only in 1.11; `*envcfg*`, `mseccfg*`, `mstatush`, `mtinst`, `mtval2`, `mconfigptr`,
/// `pmpcfg4..15`, `pmpaddr16..63` only in 1.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PrivSpec {
    /// Privileged spec 1.11 (what this toolchain's `as` records; the default).
    #[default]
    V1_11,
    /// Privileged spec 1.12 (objdump's choice for objects without the attribute).
    V1_12,
}

impl PrivSpec {
    /// The version objdump uses for an ELF file whose `.riscv.attributes` section holds
    /// `section` (pass `&[]` when there is none): its `Tag_RISCV_priv_spec`/`_minor`
    /// attributes, 1.12 when they are absent or unreadable. Versions before 1.11 (whose names
    /// this module does not model) map to 1.11, the closest.
    pub fn from_riscv_attributes(section: &[u8]) -> PrivSpec {
        match riscv_priv_attribute(section) {
            Some((1, minor)) if minor < 12 => PrivSpec::V1_11,
            _ => PrivSpec::V1_12,
        }
    }
}

/// (major, minor) from an ELF `.riscv.attributes` section (RISC-V psABI "Attributes": a format
/// byte `A`, then sub-sections `u32 length, vendor NTBS`; the `riscv` one holds a file-scope
/// (tag 1) block `u32 length` of `ULEB128 tag, value` pairs where even tags take a ULEB128 and
/// odd ones a NUL-terminated string).
fn riscv_priv_attribute(section: &[u8]) -> Option<(u64, u64)> {
    const TAG_FILE: u64 = 1;
    const TAG_PRIV_SPEC: u64 = 8;
    const TAG_PRIV_SPEC_MINOR: u64 = 10;
    fn u32_at(b: &[u8], at: usize) -> Option<usize> {
        Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
    }
    fn uleb(b: &[u8], at: &mut usize) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *b.get(*at)?;
            *at += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    if section.first() != Some(&b'A') {
        return None;
    }
    let mut at = 1;
    while at < section.len() {
        let len = u32_at(section, at)?;
        let sub = section.get(at..at.checked_add(len)?)?;
        at += len.max(1);
        let name_end = 4 + sub.get(4..)?.iter().position(|&c| c == 0)?;
        if &sub[4..name_end] != b"riscv" {
            continue;
        }
        let mut p = name_end + 1;
        while p < sub.len() {
            let start = p;
            let tag = uleb(sub, &mut p)?;
            let block_len = u32_at(sub, p)?;
            let block = sub.get(p + 4..start.checked_add(block_len)?)?;
            p = start + block_len.max(1);
            if tag != TAG_FILE {
                continue;
            }
            let (mut major, mut minor, mut q) = (None, 0, 0);
            while q < block.len() {
                let t = uleb(block, &mut q)?;
                if t % 2 == 0 {
                    let v = uleb(block, &mut q)?;
                    match t {
                        TAG_PRIV_SPEC => major = Some(v),
                        TAG_PRIV_SPEC_MINOR => minor = v,
                        _ => {}
                    }
                } else {
                    q += block.get(q..)?.iter().position(|&c| c == 0)? + 1;
                }
            }
            return major.map(|m| (m, minor));
        }
    }
    None
}

/// Name objdump prints for CSR number `csr` under `spec`, or `0x…` hex when it has none.
pub fn csr_name(csr: u16, spec: PrivSpec) -> String {
    let mut s = String::new();
    write_csr(&mut s, csr, spec);
    s
}

/// Appends the CSR's name (or `0x…`) to `s`.
pub(super) fn write_csr(s: &mut String, csr: u16, spec: PrivSpec) {
    let csr = csr & 0xfff;
    if let Some(name) = csr_fixed_name(csr).or_else(|| csr_spec_name(csr, spec)) {
        s.push_str(name);
        return;
    }
    let v12 = spec == PrivSpec::V1_12;
    // Numbered families.
    let (prefix, n, suffix) = match csr {
        0x323..=0x33f => ("mhpmevent", csr - 0x320, ""),
        0x723..=0x73f => ("mhpmevent", csr - 0x720, "h"),
        0x3a0..=0x3a3 => ("pmpcfg", csr - 0x3a0, ""),
        0x3a4..=0x3af if v12 => ("pmpcfg", csr - 0x3a0, ""),
        0x3b0..=0x3bf => ("pmpaddr", csr - 0x3b0, ""),
        0x3c0..=0x3ef if v12 => ("pmpaddr", csr - 0x3b0, ""),
        0xb03..=0xb1f => ("mhpmcounter", csr - 0xb00, ""),
        0xb83..=0xb9f => ("mhpmcounter", csr - 0xb80, "h"),
        0xc03..=0xc1f => ("hpmcounter", csr - 0xc00, ""),
        0xc83..=0xc9f => ("hpmcounter", csr - 0xc80, "h"),
        _ => {
            let _ = write!(s, "0x{csr:x}");
            return;
        }
    };
    let _ = write!(s, "{prefix}{n}{suffix}");
}

/// CSR names that exist in only one of the supported privileged-spec versions.
fn csr_spec_name(csr: u16, spec: PrivSpec) -> Option<&'static str> {
    Some(match (spec, csr) {
        (PrivSpec::V1_11, 0x000) => "ustatus",
        (PrivSpec::V1_11, 0x004) => "uie",
        (PrivSpec::V1_11, 0x005) => "utvec",
        (PrivSpec::V1_11, 0x040) => "uscratch",
        (PrivSpec::V1_11, 0x041) => "uepc",
        (PrivSpec::V1_11, 0x042) => "ucause",
        (PrivSpec::V1_11, 0x043) => "utval",
        (PrivSpec::V1_11, 0x044) => "uip",
        (PrivSpec::V1_11, 0x102) => "sedeleg",
        (PrivSpec::V1_11, 0x103) => "sideleg",
        (PrivSpec::V1_12, 0x10a) => "senvcfg",
        (PrivSpec::V1_12, 0x30a) => "menvcfg",
        (PrivSpec::V1_12, 0x310) => "mstatush",
        (PrivSpec::V1_12, 0x31a) => "menvcfgh",
        (PrivSpec::V1_12, 0x34a) => "mtinst",
        (PrivSpec::V1_12, 0x34b) => "mtval2",
        (PrivSpec::V1_12, 0x747) => "mseccfg",
        (PrivSpec::V1_12, 0x757) => "mseccfgh",
        (PrivSpec::V1_12, 0xf15) => "mconfigptr",
        _ => return None,
    })
}

/// CSR names that are not part of a numbered family.
fn csr_fixed_name(csr: u16) -> Option<&'static str> {
    Some(match csr {
        // Unprivileged.
        0x001 => "fflags",
        0x002 => "frm",
        0x003 => "fcsr",
        0x008 => "vstart",
        0x009 => "vxsat",
        0x00a => "vxrm",
        0x00f => "vcsr",
        0x015 => "seed",
        0xc00 => "cycle",
        0xc01 => "time",
        0xc02 => "instret",
        0xc20 => "vl",
        0xc21 => "vtype",
        0xc22 => "vlenb",
        0xc80 => "cycleh",
        0xc81 => "timeh",
        0xc82 => "instreth",
        // Supervisor.
        0x100 => "sstatus",
        0x104 => "sie",
        0x105 => "stvec",
        0x106 => "scounteren",
        0x10c => "sstateen0",
        0x10d => "sstateen1",
        0x10e => "sstateen2",
        0x10f => "sstateen3",
        0x114 => "sieh",
        0x140 => "sscratch",
        0x141 => "sepc",
        0x142 => "scause",
        0x143 => "stval",
        0x144 => "sip",
        0x14d => "stimecmp",
        0x150 => "siselect",
        0x151 => "sireg",
        0x154 => "siph",
        0x15c => "stopei",
        0x15d => "stimecmph",
        0x180 => "satp",
        0x5a8 => "scontext",
        0xda0 => "scountovf",
        0xdb0 => "stopi",
        // Virtual supervisor.
        0x200 => "vsstatus",
        0x204 => "vsie",
        0x205 => "vstvec",
        0x214 => "vsieh",
        0x240 => "vsscratch",
        0x241 => "vsepc",
        0x242 => "vscause",
        0x243 => "vstval",
        0x244 => "vsip",
        0x24d => "vstimecmp",
        0x250 => "vsiselect",
        0x251 => "vsireg",
        0x254 => "vsiph",
        0x25c => "vstopei",
        0x25d => "vstimecmph",
        0x280 => "vsatp",
        0xeb0 => "vstopi",
        // Machine.
        0x300 => "mstatus",
        0x301 => "misa",
        0x302 => "medeleg",
        0x303 => "mideleg",
        0x304 => "mie",
        0x305 => "mtvec",
        0x306 => "mcounteren",
        0x308 => "mvien",
        0x309 => "mvip",
        0x30c => "mstateen0",
        0x30d => "mstateen1",
        0x30e => "mstateen2",
        0x30f => "mstateen3",
        0x313 => "midelegh",
        0x314 => "mieh",
        0x318 => "mvienh",
        0x319 => "mviph",
        0x31c => "mstateen0h",
        0x31d => "mstateen1h",
        0x31e => "mstateen2h",
        0x31f => "mstateen3h",
        0x320 => "mcountinhibit",
        0x340 => "mscratch",
        0x341 => "mepc",
        0x342 => "mcause",
        0x343 => "mtval",
        0x344 => "mip",
        0x350 => "miselect",
        0x351 => "mireg",
        0x354 => "miph",
        0x35c => "mtopei",
        0x7a0 => "tselect",
        0x7a1 => "tdata1",
        0x7a2 => "tdata2",
        0x7a3 => "tdata3",
        0x7a4 => "tinfo",
        0x7a5 => "tcontrol",
        0x7a8 => "mcontext",
        0x7aa => "mscontext",
        0x7b0 => "dcsr",
        0x7b1 => "dpc",
        0x7b2 => "dscratch0",
        0x7b3 => "dscratch1",
        0xb00 => "mcycle",
        0xb02 => "minstret",
        0xb80 => "mcycleh",
        0xb82 => "minstreth",
        0xf11 => "mvendorid",
        0xf12 => "marchid",
        0xf13 => "mimpid",
        0xf14 => "mhartid",
        0xfb0 => "mtopi",
        // Hypervisor.
        0x600 => "hstatus",
        0x602 => "hedeleg",
        0x603 => "hideleg",
        0x604 => "hie",
        0x605 => "htimedelta",
        0x606 => "hcounteren",
        0x607 => "hgeie",
        0x608 => "hvien",
        0x609 => "hvictl",
        0x60a => "henvcfg",
        0x60c => "hstateen0",
        0x60d => "hstateen1",
        0x60e => "hstateen2",
        0x60f => "hstateen3",
        0x613 => "hidelegh",
        0x615 => "htimedeltah",
        0x618 => "hvienh",
        0x61a => "henvcfgh",
        0x61c => "hstateen0h",
        0x61d => "hstateen1h",
        0x61e => "hstateen2h",
        0x61f => "hstateen3h",
        0x643 => "htval",
        0x644 => "hip",
        0x645 => "hvip",
        0x646 => "hviprio1",
        0x647 => "hviprio2",
        0x64a => "htinst",
        0x655 => "hviph",
        0x656 => "hviprio1h",
        0x657 => "hviprio2h",
        0x680 => "hgatp",
        0x6a8 => "hcontext",
        0xe12 => "hgeip",
        _ => return None,
    })
}
