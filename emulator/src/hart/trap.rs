//! Synchronous exceptions (privileged spec §3.1.15, `mcause` codes) raised by the hart.

/// An exception raised by an instruction. The instruction has had no architectural effect; the
/// kernel either resolves it and retries (page faults), completes it (ecall), or ends the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exception {
    /// Instruction address misaligned (cause 0); tval = target.
    InsnMisaligned(u32),
    /// Illegal instruction (cause 2); tval = the raw instruction bits.
    IllegalInsn(u32),
    /// Breakpoint (cause 3); tval = pc.
    Breakpoint(u32),
    /// Load address misaligned (cause 4) — only raised for LR; plain loads are emulated.
    LoadMisaligned(u32),
    /// Store/AMO address misaligned (cause 6) — raised for SC/AMOs.
    StoreMisaligned(u32),
    /// Environment call from U-mode (cause 8).
    EcallFromU,
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
            Exception::IllegalInsn(_) => 2,
            Exception::Breakpoint(_) => 3,
            Exception::LoadMisaligned(_) => 4,
            Exception::StoreMisaligned(_) => 6,
            Exception::EcallFromU => 8,
            Exception::FetchPageFault(_) => 12,
            Exception::LoadPageFault(_) => 13,
            Exception::StorePageFault(_) => 15,
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
            | Exception::StorePageFault(v) => v,
            Exception::EcallFromU => 0,
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
