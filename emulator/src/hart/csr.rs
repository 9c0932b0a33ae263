//! CSR addresses (priv spec 1.12 §2.2, tables 2.2–2.6) and the address-encoded access rules
//! (§2.1). The registers themselves live in [`super::privileged::Csrs`].

/// `cycle` (read-only user counter).
pub const CYCLE: u16 = 0xC00;
/// `time`.
pub const TIME: u16 = 0xC01;
/// `instret`.
pub const INSTRET: u16 = 0xC02;
/// `hpmcounter3` (the first of 29 user views of the event counters).
pub const HPMCOUNTER3: u16 = 0xC03;
/// `hpmcounter31`.
pub const HPMCOUNTER31: u16 = 0xC1F;
/// `cycleh` (upper 32 bits, RV32 only).
pub const CYCLEH: u16 = 0xC80;
/// `timeh`.
pub const TIMEH: u16 = 0xC81;
/// `instreth`.
pub const INSTRETH: u16 = 0xC82;
/// `hpmcounter3h`.
pub const HPMCOUNTER3H: u16 = 0xC83;
/// `hpmcounter31h`.
pub const HPMCOUNTER31H: u16 = 0xC9F;

/// `sstatus`: the S-mode view of `mstatus`.
pub const SSTATUS: u16 = 0x100;
/// `sie`: the S-mode view of `mie`.
pub const SIE: u16 = 0x104;
/// `stvec`: S-mode trap vector.
pub const STVEC: u16 = 0x105;
/// `scounteren`: counters U-mode may read.
pub const SCOUNTEREN: u16 = 0x106;
/// `senvcfg`: S-mode environment configuration.
pub const SENVCFG: u16 = 0x10A;
/// `sscratch`.
pub const SSCRATCH: u16 = 0x140;
/// `sepc`: S-mode exception pc.
pub const SEPC: u16 = 0x141;
/// `scause`.
pub const SCAUSE: u16 = 0x142;
/// `stval`.
pub const STVAL: u16 = 0x143;
/// `sip`: the S-mode view of `mip`.
pub const SIP: u16 = 0x144;
/// `satp`: address translation and protection.
pub const SATP: u16 = 0x180;

/// `mvendorid`.
pub const MVENDORID: u16 = 0xF11;
/// `marchid`.
pub const MARCHID: u16 = 0xF12;
/// `mimpid`.
pub const MIMPID: u16 = 0xF13;
/// `mhartid`.
pub const MHARTID: u16 = 0xF14;
/// `mconfigptr`.
pub const MCONFIGPTR: u16 = 0xF15;
/// `mstatus`.
pub const MSTATUS: u16 = 0x300;
/// `misa`.
pub const MISA: u16 = 0x301;
/// `medeleg`: exceptions delegated to S-mode.
pub const MEDELEG: u16 = 0x302;
/// `mideleg`: interrupts delegated to S-mode.
pub const MIDELEG: u16 = 0x303;
/// `mie`: interrupt enables.
pub const MIE: u16 = 0x304;
/// `mtvec`: M-mode trap vector.
pub const MTVEC: u16 = 0x305;
/// `mcounteren`: counters S-mode (and, with `scounteren`, U-mode) may read.
pub const MCOUNTEREN: u16 = 0x306;
/// `menvcfg`.
pub const MENVCFG: u16 = 0x30A;
/// `mstatush` (RV32 only: the upper half of `mstatus`).
pub const MSTATUSH: u16 = 0x310;
/// `menvcfgh`.
pub const MENVCFGH: u16 = 0x31A;
/// `mcountinhibit`.
pub const MCOUNTINHIBIT: u16 = 0x320;
/// `mhpmevent3`.
pub const MHPMEVENT3: u16 = 0x323;
/// `mhpmevent31`.
pub const MHPMEVENT31: u16 = 0x33F;
/// `mscratch`.
pub const MSCRATCH: u16 = 0x340;
/// `mepc`: M-mode exception pc.
pub const MEPC: u16 = 0x341;
/// `mcause`.
pub const MCAUSE: u16 = 0x342;
/// `mtval`.
pub const MTVAL: u16 = 0x343;
/// `mip`: pending interrupts.
pub const MIP: u16 = 0x344;
/// `pmpcfg0` (the first of 16 PMP configuration registers).
pub const PMPCFG0: u16 = 0x3A0;
/// `pmpcfg15`.
pub const PMPCFG15: u16 = 0x3AF;
/// `pmpaddr0` (the first of 64 PMP address registers).
pub const PMPADDR0: u16 = 0x3B0;
/// `pmpaddr63`.
pub const PMPADDR63: u16 = 0x3EF;
/// `tselect`: the debug trigger (Sdtrig) being accessed through `tdata1`–`tdata3`.
pub const TSELECT: u16 = 0x7A0;
/// `tdata1`: the selected trigger's type and configuration.
pub const TDATA1: u16 = 0x7A1;
/// `tdata2`.
pub const TDATA2: u16 = 0x7A2;
/// `tdata3`.
pub const TDATA3: u16 = 0x7A3;
/// `tinfo`: the trigger types the selected trigger supports.
pub const TINFO: u16 = 0x7A4;
/// `mcycle`.
pub const MCYCLE: u16 = 0xB00;
/// `minstret`.
pub const MINSTRET: u16 = 0xB02;
/// `mhpmcounter3`.
pub const MHPMCOUNTER3: u16 = 0xB03;
/// `mhpmcounter31`.
pub const MHPMCOUNTER31: u16 = 0xB1F;
/// `mcycleh`.
pub const MCYCLEH: u16 = 0xB80;
/// `minstreth`.
pub const MINSTRETH: u16 = 0xB82;
/// `mhpmcounter3h`.
pub const MHPMCOUNTER3H: u16 = 0xB83;
/// `mhpmcounter31h`.
pub const MHPMCOUNTER31H: u16 = 0xB9F;

/// True for the CSRs whose writes can make an interrupt takeable (priv §3.1.9: `mip`, `mie`,
/// `mstatus`, `mideleg` and their S-mode views).
pub fn affects_interrupts(csr: u16) -> bool {
    matches!(csr, MSTATUS | MIE | MIP | MIDELEG | SSTATUS | SIE | SIP)
}

/// Priv spec §2.1: CSR addresses with bits `[11:10]` = 0b11 are read-only.
pub fn is_read_only(csr: u16) -> bool {
    csr >> 10 == 0b11
}

/// Priv spec §2.1: bits `[9:8]` hold the lowest privilege level that may access the CSR
/// (0 U, 1 S, 2 hypervisor, 3 M).
pub fn min_privilege(csr: u16) -> u8 {
    ((csr >> 8) & 0b11) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_encodes_access_rules() {
        assert!(is_read_only(CYCLE) && is_read_only(MHARTID) && !is_read_only(MSCRATCH));
        assert!(!is_read_only(MCYCLE), "mcycle is writable");
        assert_eq!(min_privilege(CYCLE), 0);
        assert_eq!(min_privilege(SATP), 1);
        assert_eq!(min_privilege(MSTATUS), 3);
        assert_eq!(min_privilege(MCYCLE), 3);
    }
}
