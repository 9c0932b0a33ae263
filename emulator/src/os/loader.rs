//! ELF loading: parse a static RV32 executable with `goblin` and check that rvscope can run it.
//!
//! The loader only reads and validates; the process builder maps the segments (lazily: a page is
//! copied from the image when first touched). [`BareImage`] is the bare-metal variant: segments
//! at their physical load addresses inside RAM and the HTIF symbols, none of the process layout's
//! rules (null page, stack, kernel range).

use std::path::Path;

use goblin::elf::{header, program_header, Elf};

use crate::error::{Error, Result};
use crate::mem::phys::RAM_BASE;
use crate::mmu::pagemap::Perms;
use crate::os::layout::{KERNEL_BASE, NULL_PAGE_END, STACK_TOP};

/// e_flags: the object uses the compressed extension.
const EF_RISCV_RVC: u32 = 0x1;
/// e_flags: float ABI field mask (0 = soft-float).
const EF_RISCV_FLOAT_ABI: u32 = 0x6;
/// e_flags: RVE (16-register) ABI.
const EF_RISCV_RVE: u32 = 0x8;

/// One PT_LOAD segment.
#[derive(Clone, Debug)]
pub struct Segment {
    /// Virtual address of the first byte.
    pub vaddr: u32,
    /// Size in memory (≥ `data.len()`; the rest is zero: bss).
    pub mem_size: u32,
    /// The file-backed bytes.
    pub data: Vec<u8>,
    /// Permissions from p_flags.
    pub perms: Perms,
}

impl Segment {
    /// A segment for unit tests: `data` at `vaddr`, `mem_size` bytes in memory.
    #[cfg(test)]
    pub(crate) fn synthetic(vaddr: u32, data: Vec<u8>, mem_size: u32, perms: Perms) -> Segment {
        Segment {
            vaddr,
            mem_size,
            data,
            perms,
        }
    }

    /// One past the last byte.
    pub fn end(&self) -> u64 {
        self.vaddr as u64 + self.mem_size as u64
    }
}

/// A validated executable image.
#[derive(Clone, Debug)]
pub struct ElfImage {
    /// Entry point.
    pub entry: u32,
    /// PT_LOAD segments in address order.
    pub segments: Vec<Segment>,
    /// Virtual address of the program headers (for AT_PHDR), if they are inside a segment.
    pub phdr_vaddr: u32,
    /// Size of one program header (AT_PHENT).
    pub phent: u32,
    /// Number of program headers (AT_PHNUM).
    pub phnum: u32,
    /// The object uses compressed instructions (informational).
    pub uses_rvc: bool,
}

/// The first checks of any ELF rvscope runs: magic, ELF32, little-endian RISC-V, the integer
/// ABI, a static non-PIE executable.
fn parse_rv32_executable(bytes: &[u8]) -> std::result::Result<Elf<'_>, String> {
    if bytes.len() < 4 || &bytes[..4] != b"\x7fELF" {
        return Err("not an ELF file (bad magic)".into());
    }
    if bytes.len() < 5 || bytes[header::EI_CLASS] != header::ELFCLASS32 {
        return Err("not a 32-bit ELF (rvscope runs RV32 programs; this is ELF64)".into());
    }
    let elf = Elf::parse(bytes).map_err(|e| format!("malformed ELF: {e}"))?;
    if !elf.little_endian {
        return Err("big-endian ELF; RISC-V is little-endian".into());
    }
    if elf.header.e_machine != header::EM_RISCV {
        return Err(format!(
            "ELF for machine {} ({}), not RISC-V",
            header::machine_to_str(elf.header.e_machine),
            elf.header.e_machine
        ));
    }
    let flags = elf.header.e_flags;
    if flags & EF_RISCV_RVE != 0 {
        return Err("RV32E (16-register) ABI is not supported".into());
    }
    if flags & EF_RISCV_FLOAT_ABI != 0 {
        return Err("hard-float ABI (ilp32f/ilp32d) needs the F/D extensions, which rvscope does not implement; compile with -mabi=ilp32".into());
    }
    if elf.interpreter.is_some()
        || elf
            .program_headers
            .iter()
            .any(|ph| ph.p_type == program_header::PT_INTERP)
    {
        return Err(
            "dynamically linked (has PT_INTERP); link statically (toolchain/rv32-cc does)".into(),
        );
    }
    match elf.header.e_type {
        header::ET_EXEC => {}
        header::ET_DYN => {
            return Err(
                "position-independent executable (ET_DYN); link a static non-PIE executable".into(),
            )
        }
        other => return Err(format!("not an executable (e_type {other})")),
    }
    Ok(elf)
}

impl ElfImage {
    /// A synthetic image for unit tests: `segments` (in address order) and the entry at the
    /// first one, without program headers in memory.
    #[cfg(test)]
    pub(crate) fn synthetic(segments: Vec<Segment>) -> ElfImage {
        ElfImage {
            entry: segments[0].vaddr,
            phnum: segments.len() as u32,
            segments,
            phdr_vaddr: 0,
            phent: 32,
            uses_rvc: false,
        }
    }

    /// Reads and validates the ELF at `path`.
    pub fn load(path: &Path) -> Result<ElfImage> {
        let bytes = std::fs::read(path).map_err(|cause| Error::ElfNotFound {
            path: path.to_owned(),
            cause,
        })?;
        Self::parse(&bytes).map_err(|reason| Error::ElfNotRunnable {
            path: path.to_owned(),
            reason,
        })
    }

    /// Validates an in-memory ELF; the error is one line saying what is wrong.
    pub fn parse(bytes: &[u8]) -> std::result::Result<ElfImage, String> {
        let elf = parse_rv32_executable(bytes)?;
        let flags = elf.header.e_flags;
        let mut segments = Vec::new();
        for ph in elf
            .program_headers
            .iter()
            .filter(|ph| ph.p_type == program_header::PT_LOAD)
        {
            if ph.p_memsz == 0 {
                continue;
            }
            let (vaddr, mem_size, file_size, offset) =
                (ph.p_vaddr, ph.p_memsz, ph.p_filesz, ph.p_offset);
            if file_size > mem_size {
                return Err(format!("PT_LOAD at {vaddr:#x} has p_filesz > p_memsz"));
            }
            let end = vaddr.checked_add(mem_size).ok_or_else(|| {
                format!("PT_LOAD at {vaddr:#x} has an impossible size {mem_size:#x}")
            })?;
            if vaddr < NULL_PAGE_END as u64 {
                return Err(format!(
                    "PT_LOAD at {vaddr:#x} overlaps the null page (below {NULL_PAGE_END:#x})"
                ));
            }
            if end > STACK_TOP as u64 - crate::os::layout::DEFAULT_STACK_LIMIT as u64 {
                let what = if end > KERNEL_BASE as u64 {
                    "kernel range"
                } else {
                    "stack"
                };
                return Err(format!("PT_LOAD {vaddr:#x}..{end:#x} overlaps the {what}"));
            }
            let data = offset
                .checked_add(file_size)
                .and_then(|file_end| bytes.get(offset as usize..file_end as usize))
                .ok_or_else(|| {
                    format!("PT_LOAD at {vaddr:#x} lies outside the file (truncated ELF?)")
                })?
                .to_vec();
            segments.push(Segment {
                vaddr: vaddr as u32,
                mem_size: mem_size as u32,
                data,
                perms: Perms {
                    read: ph.p_flags & program_header::PF_R != 0,
                    write: ph.p_flags & program_header::PF_W != 0,
                    exec: ph.p_flags & program_header::PF_X != 0,
                },
            });
        }
        if segments.is_empty() {
            return Err("no PT_LOAD segment: nothing to run".into());
        }
        segments.sort_by_key(|s| s.vaddr);
        for pair in segments.windows(2) {
            if pair[0].end() > pair[1].vaddr as u64 {
                return Err(format!("PT_LOAD segments overlap at {:#x}", pair[1].vaddr));
            }
        }
        let entry = elf.header.e_entry as u32;
        if !segments
            .iter()
            .any(|s| s.perms.exec && s.vaddr <= entry && (entry as u64) < s.end())
        {
            return Err(format!(
                "entry point {entry:#x} is not in an executable segment"
            ));
        }
        // AT_PHDR: where the program headers appear in memory (inside the segment holding them).
        let phoff = elf.header.e_phoff;
        let phdr_vaddr = elf
            .program_headers
            .iter()
            .find(|ph| {
                ph.p_type == program_header::PT_LOAD
                    && ph.p_offset <= phoff
                    && phoff < ph.p_offset.saturating_add(ph.p_filesz)
            })
            .map(|ph| (ph.p_vaddr + (phoff - ph.p_offset)) as u32)
            .unwrap_or(0);
        Ok(ElfImage {
            entry,
            segments,
            phdr_vaddr,
            phent: elf.header.e_phentsize as u32,
            phnum: elf.header.e_phnum as u32,
            uses_rvc: flags & EF_RISCV_RVC != 0,
        })
    }
}

/// One PT_LOAD segment of a bare-metal image, at its physical load address (`p_paddr`).
#[derive(Clone, Debug)]
pub struct PhysSegment {
    /// Physical address of the first byte.
    pub paddr: u32,
    /// Size in memory (≥ `data.len()`; the rest is zero).
    pub mem_size: u32,
    /// The file-backed bytes.
    pub data: Vec<u8>,
}

/// A validated bare-metal image: what `rvscope run --bare` loads into RAM.
#[derive(Clone, Debug)]
pub struct BareImage {
    /// Entry point: the hart starts there in M-mode, untranslated.
    pub entry: u32,
    /// PT_LOAD segments in address order, each inside RAM.
    pub segments: Vec<PhysSegment>,
    /// Physical address of the HTIF `tohost` word.
    pub tohost: u32,
    /// Physical address of the HTIF `fromhost` word, if the program has one.
    pub fromhost: Option<u32>,
}

impl BareImage {
    /// Reads and validates the bare-metal ELF at `path` for a machine with `ram_bytes` of RAM
    /// at [`RAM_BASE`].
    pub fn load(path: &Path, ram_bytes: u64) -> Result<BareImage> {
        let bytes = std::fs::read(path).map_err(|cause| Error::ElfNotFound {
            path: path.to_owned(),
            cause,
        })?;
        Self::parse(&bytes, ram_bytes).map_err(|reason| Error::ElfNotRunnable {
            path: path.to_owned(),
            reason,
        })
    }

    /// Validates an in-memory bare-metal ELF; the error is one line saying what is wrong.
    ///
    /// Segments are placed at `p_paddr`, their load address, as QEMU's `-kernel` loader does
    /// (the bare tests' linker script makes it equal to `p_vaddr`); every one must lie in RAM.
    /// The process layout's rules (null page, stack, kernel range) do not apply.
    pub fn parse(bytes: &[u8], ram_bytes: u64) -> std::result::Result<BareImage, String> {
        let elf = parse_rv32_executable(bytes)?;
        let ram = u64::from(RAM_BASE)..u64::from(RAM_BASE) + ram_bytes;
        let ram_text = format!(
            "RAM {:#x}..{:#x} (--ram {})",
            ram.start,
            ram.end,
            crate::config::format_size(ram_bytes)
        );
        let loads = || {
            elf.program_headers
                .iter()
                .filter(|ph| ph.p_type == program_header::PT_LOAD && ph.p_memsz != 0)
        };
        let mut segments = Vec::new();
        for ph in loads() {
            let (paddr, mem_size, file_size, offset) =
                (ph.p_paddr, ph.p_memsz, ph.p_filesz, ph.p_offset);
            if file_size > mem_size {
                return Err(format!("PT_LOAD at {paddr:#x} has p_filesz > p_memsz"));
            }
            let end = paddr.saturating_add(mem_size);
            if paddr < ram.start || end > ram.end {
                return Err(format!(
                    "PT_LOAD {paddr:#x}..{end:#x} (physical) lies outside {ram_text}; a bare-metal program is linked at {RAM_BASE:#x}"
                ));
            }
            let data = offset
                .checked_add(file_size)
                .and_then(|file_end| bytes.get(offset as usize..file_end as usize))
                .ok_or_else(|| {
                    format!("PT_LOAD at {paddr:#x} lies outside the file (truncated ELF?)")
                })?
                .to_vec();
            segments.push(PhysSegment {
                paddr: paddr as u32,
                mem_size: mem_size as u32,
                data,
            });
        }
        if segments.is_empty() {
            return Err("no PT_LOAD segment: nothing to run".into());
        }
        segments.sort_by_key(|s| s.paddr);
        for pair in segments.windows(2) {
            if u64::from(pair[0].paddr) + u64::from(pair[0].mem_size) > u64::from(pair[1].paddr) {
                return Err(format!("PT_LOAD segments overlap at {:#x}", pair[1].paddr));
            }
        }
        let entry = elf.header.e_entry;
        if !ram.contains(&entry) {
            return Err(format!("entry point {entry:#x} is outside {ram_text}"));
        }
        // HTIF words, as QEMU's spike machine finds them: by symbol, 8 bytes each. A symbol's
        // value is a link (virtual) address; the word lives at the matching load address.
        let symbol = |name: &str| -> std::result::Result<Option<u32>, String> {
            let Some(sym) = elf
                .syms
                .iter()
                .find(|s| elf.strtab.get_at(s.st_name) == Some(name))
            else {
                return Ok(None);
            };
            if sym.st_size != 8 {
                return Err(format!(
                    "symbol `{name}` has size {}; the HTIF word must be 8 bytes",
                    sym.st_size
                ));
            }
            let vaddr = sym.st_value;
            let paddr = loads()
                .find(|ph| ph.p_vaddr <= vaddr && vaddr < ph.p_vaddr + ph.p_memsz)
                .map_or(vaddr, |ph| vaddr - ph.p_vaddr + ph.p_paddr);
            if paddr < ram.start || paddr + 8 > ram.end {
                return Err(format!(
                    "symbol `{name}` at {paddr:#x} is outside {ram_text}"
                ));
            }
            Ok(Some(paddr as u32))
        };
        let tohost = symbol("tohost")?.ok_or(
            "no `tohost` symbol: a bare-metal program ends its run by writing HTIF tohost (see guest/bare/README.md)",
        )?;
        let fromhost = symbol("fromhost")?;
        Ok(BareImage {
            entry: entry as u32,
            segments,
            tohost,
            fromhost,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage_with_one_line() {
        for (bytes, want) in [
            (&b""[..], "bad magic"),
            (&b"#!/bin/sh\n"[..], "bad magic"),
            (&b"\x7fELF\x02\x01\x01"[..], "not a 32-bit ELF"),
            (&b"\x7fELF\x01\x01\x01\0\0\0"[..], "malformed ELF"),
        ] {
            let err = ElfImage::parse(bytes).unwrap_err();
            assert!(err.contains(want), "{err}");
            assert!(!err.contains('\n'));
        }
    }

    #[test]
    fn rejects_the_host_binary() {
        // The test binary itself is an x86-64 (or other host) ELF64.
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let err = ElfImage::parse(&me).unwrap_err();
        assert!(
            err.contains("32-bit") || err.contains("not RISC-V"),
            "{err}"
        );
    }
}
