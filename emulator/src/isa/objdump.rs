//! Parsing of `riscv64-unknown-elf-objdump -d` output, so tests can compare [`super::disasm`]
//! against it line by line.

/// Parses one instruction line of `objdump -d` output, e.g.
/// `   10184:\t00f50533          \tadd\ta0,a0,a5 # 1234 <x>`, into
/// `(address, raw encoding, length in bytes, normalised text)`.
///
/// The raw encoding is the hex column read as one number (objdump prints the instruction as a
/// little-endian word/halfword, so `00f50533` is 0x00f50533); its length is 2 for 4 hex digits
/// and 4 for 8. The text is normalised the way [`super::disasm`] prints it: a trailing `# …`
/// comment (objdump's computed address for auipc/lui pairs, gp/tp-relative accesses, …) and a
/// ` <symbol+off>` suffix after a branch/jump target are removed, as is trailing whitespace.
///
/// Returns `None` for anything else: headers, labels (`00010074 <main>:`), blank lines, `...`
/// gaps and continuation lines without text. Data lines inside code (`.word 0x…`) parse like
/// instructions; callers that care must filter them.
pub fn parse_objdump_line(line: &str) -> Option<(u32, u32, u8, String)> {
    let (addr, rest) = line.split_once(":\t")?;
    let addr = u32::from_str_radix(addr.trim(), 16).ok()?;
    let (hex, text) = rest.split_once('\t')?;
    let hex = hex.trim_end();
    let len = match hex.len() {
        4 => 2,
        8 => 4,
        _ => return None,
    };
    let raw = u32::from_str_radix(hex, 16).ok()?;
    Some((addr, raw, len, normalise_text(text)))
}

/// Strips objdump's `# …` comment and ` <sym+off>` target annotation, and trailing whitespace.
pub fn normalise_text(text: &str) -> String {
    let mut t = text;
    if let Some(i) = t.find(" #") {
        t = &t[..i];
    }
    if let Some(i) = t.find(" <") {
        t = &t[..i];
    }
    t.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines() {
        assert_eq!(
            parse_objdump_line("   10184:\tfe0718e3          \tbnez\ta4,10174 <main+0x20>"),
            Some((0x10184, 0xfe0718e3, 4, "bnez\ta4,10174".to_string()))
        );
        assert_eq!(
            parse_objdump_line("  18:\t000500e7          \tjalr\ta0 # 10008 <_start+0x10008>"),
            Some((0x18, 0x000500e7, 4, "jalr\ta0".to_string()))
        );
        assert_eq!(
            parse_objdump_line("   0:\t67c9                \tlui\ta5,0x12"),
            Some((0, 0x67c9, 2, "lui\ta5,0x12".to_string()))
        );
        assert_eq!(
            parse_objdump_line(" 302:\t0201                \tadd\ttp,tp,0 # 0 <.text>"),
            Some((0x302, 0x0201, 2, "add\ttp,tp,0".to_string()))
        );
        assert_eq!(
            parse_objdump_line("  c8:\t0000                \tunimp"),
            Some((0xc8, 0, 2, "unimp".to_string()))
        );
        assert_eq!(parse_objdump_line("00000000 <_start>:"), None);
        assert_eq!(parse_objdump_line("Disassembly of section .text:"), None);
        assert_eq!(parse_objdump_line(""), None);
        assert_eq!(parse_objdump_line("\t..."), None);
    }
}
