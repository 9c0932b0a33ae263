//! ELF loading: parse a static RV32 executable with `goblin` and check that rvscope can run it.
//!
//! The loader only reads and validates; the process builder maps the segments (lazily: a page is
//! copied from the image when first touched).

use std::path::Path;

use goblin::elf::{header, program_header, Elf};

use crate::error::{Error, Result};
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

impl ElfImage {
    /// Reads and validates the ELF at `path`.
    pub fn load(path: &Path) -> Result<ElfImage> {
        let bytes = std::fs::read(path).map_err(|source| Error::ElfNotFound {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&bytes).map_err(|reason| Error::ElfNotRunnable {
            path: path.to_owned(),
            reason,
        })
    }

    /// Validates an in-memory ELF; the error is one line saying what is wrong.
    pub fn parse(bytes: &[u8]) -> std::result::Result<ElfImage, String> {
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
                "dynamically linked (has PT_INTERP); link statically (toolchain/rv32-cc does)"
                    .into(),
            );
        }
        match elf.header.e_type {
            header::ET_EXEC => {}
            header::ET_DYN => {
                return Err(
                    "position-independent executable (ET_DYN); link a static non-PIE executable"
                        .into(),
                )
            }
            other => return Err(format!("not an executable (e_type {other})")),
        }

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
