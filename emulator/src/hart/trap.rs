//! Synchronous exceptions (privileged spec §3.1.15, `mcause` codes) raised by the hart.

/// An exception raised by an instruction. The instruction has had no architectural effect; the
/// kernel either resolves it and retries (page faults), completes it (ecall), or ends the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exception {
    /// Instruction address misaligned (cause 0); tval = target.
    InsnMisaligned(u32),
    /// Instruction access fault (cause 1); tval = the address that could not be fetched.
    InsnAccessFault(u32),
    /// Illegal instruction (cause 2); tval = the raw instruction bits.
    IllegalInsn(u32),
    /// Breakpoint (cause 3); tval = 0 for `ebreak` (priv §3.1.16 allows 0 or the pc).
    Breakpoint(u32),
    /// Load address misaligned (cause 4) — only raised for LR; plain loads are emulated.
    LoadMisaligned(u32),
    /// Load access fault (cause 5); tval = the faulting address.
    LoadAccessFault(u32),
    /// Store/AMO address misaligned (cause 6) — raised for SC/AMOs.
    StoreMisaligned(u32),
    /// Store/AMO access fault (cause 7); tval = the faulting address.
    StoreAccessFault(u32),
    /// Environment call from U-mode (cause 8).
    EcallFromU,
    /// Environment call from S-mode (cause 9).
    EcallFromS,
    /// Environment call from M-mode (cause 11).
    EcallFromM,
    /// Instruction page fault (cause 12); tval = faulting address.
    FetchPageFault(u32),
    /// Load page fault (cause 13).
    LoadPageFault(u32),
    /// Store/AMO page fault (cause 15).
    StorePageFault(u32),
}

impl Exception {
    /// The `mcause`/`scause` exception code.
    pub fn cause(self) -> u32 {
        match self {
            Exception::InsnMisaligned(_) => 0,
            Exception::InsnAccessFault(_) => 1,
            Exception::IllegalInsn(_) => 2,
            Exception::Breakpoint(_) => 3,
            Exception::LoadMisaligned(_) => 4,
            Exception::LoadAccessFault(_) => 5,
            Exception::StoreMisaligned(_) => 6,
            Exception::StoreAccessFault(_) => 7,
            Exception::EcallFromU => 8,
            Exception::EcallFromS => 9,
            Exception::EcallFromM => 11,
            Exception::FetchPageFault(_) => 12,
            Exception::LoadPageFault(_) => 13,
            Exception::StorePageFault(_) => 15,
        }
    }

    /// The priv spec's name of the exception (Table 3.6), lower case.
    pub fn name(self) -> &'static str {
        match self {
            Exception::InsnMisaligned(_) => "instruction address misaligned",
            Exception::InsnAccessFault(_) => "instruction access fault",
            Exception::IllegalInsn(_) => "illegal instruction",
            Exception::Breakpoint(_) => "breakpoint",
            Exception::LoadMisaligned(_) => "load address misaligned",
            Exception::LoadAccessFault(_) => "load access fault",
            Exception::StoreMisaligned(_) => "store/AMO address misaligned",
            Exception::StoreAccessFault(_) => "store/AMO access fault",
            Exception::EcallFromU => "environment call from U-mode",
            Exception::EcallFromS => "environment call from S-mode",
            Exception::EcallFromM => "environment call from M-mode",
            Exception::FetchPageFault(_) => "instruction page fault",
            Exception::LoadPageFault(_) => "load page fault",
            Exception::StorePageFault(_) => "store/AMO page fault",
        }
    }

    /// The `mtval`/`stval` value.
    pub fn tval(self) -> u32 {
        match self {
            Exception::InsnMisaligned(v)
            | Exception::IllegalInsn(v)
            | Exception::Breakpoint(v)
            | Exception::LoadMisaligned(v)
            | Exception::StoreMisaligned(v)
            | Exception::FetchPageFault(v)
            | Exception::LoadPageFault(v)
            | Exception::StorePageFault(v)
            | Exception::InsnAccessFault(v)
            | Exception::LoadAccessFault(v)
            | Exception::StoreAccessFault(v) => v,
            Exception::EcallFromU | Exception::EcallFromS | Exception::EcallFromM => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_and_tvals_are_the_spec_codes() {
        let cases = [
            (Exception::InsnMisaligned(0x11), 0, 0x11),
            (Exception::InsnAccessFault(0x12), 1, 0x12),
            (Exception::IllegalInsn(0xdead), 2, 0xdead),
            (Exception::Breakpoint(0x14), 3, 0x14),
            (Exception::LoadMisaligned(0x15), 4, 0x15),
            (Exception::LoadAccessFault(0x16), 5, 0x16),
            (Exception::StoreMisaligned(0x17), 6, 0x17),
            (Exception::StoreAccessFault(0x18), 7, 0x18),
            (Exception::EcallFromU, 8, 0),
            (Exception::EcallFromS, 9, 0),
            (Exception::EcallFromM, 11, 0),
            (Exception::FetchPageFault(0x1c), 12, 0x1c),
            (Exception::LoadPageFault(0x1d), 13, 0x1d),
            (Exception::StorePageFault(0x1f), 15, 0x1f),
        ];
        for (exc, cause, tval) in cases {
            assert_eq!((exc.cause(), exc.tval()), (cause, tval), "{exc:?}");
        }
    }
}

/// What kind of access faulted (for page-fault handling and messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessKind {
    /// Instruction fetch.
    Fetch,
    /// Load (or LR).
    Load,
    /// Store, SC or AMO.
    Store,
}

impl AccessKind {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            AccessKind::Fetch => "fetch",
            AccessKind::Load => "load",
            AccessKind::Store => "store",
        }
    }
}
