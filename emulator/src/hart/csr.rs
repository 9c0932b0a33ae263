//! Control and status registers visible to U-mode (Zicsr + the unprivileged counters).
//!
//! The privileged CSRs arrive with the MMU issue; until then, any CSR not listed here is an
//! illegal instruction from U-mode, as it would be on real hardware for M/S CSRs.

use super::Hart;

/// `cycle` (read-only user counter).
pub const CYCLE: u16 = 0xC00;
/// `time`.
pub const TIME: u16 = 0xC01;
/// `instret`.
pub const INSTRET: u16 = 0xC02;
/// `cycleh` (upper 32 bits, RV32 only).
pub const CYCLEH: u16 = 0xC80;
/// `timeh`.
pub const TIMEH: u16 = 0xC81;
/// `instreth`.
pub const INSTRETH: u16 = 0xC82;

/// Priv spec §2.1: CSR addresses with bits `[11:10]` = 0b11 are read-only.
pub fn is_read_only(csr: u16) -> bool {
    csr >> 10 == 0b11
}

impl Hart {
    /// Reads CSR `csr` from U-mode, or `None` if it does not exist / is not accessible.
    pub fn read_csr(&self, csr: u16) -> Option<u32> {
        let value = match csr {
            CYCLE => self.cycles() as u32,
            TIME => self.time() as u32,
            INSTRET => self.instret as u32,
            CYCLEH => (self.cycles() >> 32) as u32,
            TIMEH => (self.time() >> 32) as u32,
            INSTRETH => (self.instret >> 32) as u32,
            _ => return None,
        };
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_read_simulated_values() {
        let mut hart = Hart::new(0, 1_000_000_000);
        hart.instret = 0x1_0000_0005;
        hart.kernel_cycles = 1000;
        assert_eq!(hart.read_csr(INSTRET), Some(5));
        assert_eq!(hart.read_csr(INSTRETH), Some(1));
        assert_eq!(hart.read_csr(CYCLE), Some(1005));
        // 1 GHz core, 10 MHz timebase: one tick per 100 cycles.
        assert_eq!(hart.time(), (0x1_0000_0005u64 + 1000) / 100);
        assert_eq!(hart.read_csr(0x300), None, "mstatus is not a U-mode CSR");
        assert!(is_read_only(CYCLE) && !is_read_only(0x340));
    }
}
