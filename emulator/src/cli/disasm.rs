//! `rvscope disasm`: objdump-style listing of an ELF's executable segments.

use std::io::Write;

use anyhow::Result;
use rvscope::isa;
use rvscope::os::loader::ElfImage;
use rvscope::os::symbols::Symbols;

use super::DisasmArgs;

/// Prints the listing; returns the exit status.
pub fn disasm(args: DisasmArgs) -> Result<u8> {
    let image = ElfImage::load(&args.elf)?;
    let symbols = Symbols::load(&args.elf);
    let range = match &args.function {
        Some(name) => {
            let f = symbols.function_named(name).ok_or_else(|| {
                rvscope::Error::Config(format!(
                    "{}: no function named '{name}'",
                    args.elf.display()
                ))
            })?;
            Some((f.addr, f.addr as u64 + f.size.max(2) as u64))
        }
        None => None,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for seg in image.segments.iter().filter(|s| s.perms.exec) {
        let mut pc = seg.vaddr;
        let end = seg.vaddr as u64 + seg.data.len() as u64;
        while (pc as u64) < end {
            let off = (pc - seg.vaddr) as usize;
            let bytes = &seg.data[off..];
            let low = u16::from_le_bytes([bytes[0], *bytes.get(1).unwrap_or(&0)]) as u32;
            let raw = if low & 3 == 3 && bytes.len() >= 4 {
                u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
            } else {
                low
            };
            let d = isa::decode(raw);
            let len = d.len.max(2) as u32;
            let in_range = range.is_none_or(|(lo, hi)| pc >= lo && (pc as u64) < hi);
            if in_range {
                if let Some((f, 0)) = symbols.function_at(pc) {
                    writeln!(out, "\n{:08x} <{}>:", pc, f.name)?;
                }
                let hex = if len == 2 {
                    format!("{:04x}", raw & 0xffff)
                } else {
                    format!("{raw:08x}")
                };
                writeln!(out, "{:8x}:\t{:<20}\t{}", pc, hex, isa::disasm(&d, pc))?;
            }
            pc += len;
        }
    }
    out.flush()?;
    Ok(0)
}
