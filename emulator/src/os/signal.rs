//! Fatal signals: how a process that the kernel cannot continue ends (DESIGN.md §2).

/// A signal that ends the process. The exit status is 128 + number, as a shell reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Illegal instruction.
    Ill = 4,
    /// Breakpoint (`ebreak`).
    Trap = 5,
    /// Bus error (misaligned atomic).
    Bus = 7,
    /// Killed (out of memory).
    Kill = 9,
    /// Segmentation fault.
    Segv = 11,
    /// Write to a pipe with no reader.
    Pipe = 13,
}

impl Signal {
    /// Signal number.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The process's exit status as a shell sees it.
    pub fn exit_status(self) -> u8 {
        128 + self.number()
    }

    /// Linux's name (`SIGSEGV`).
    pub fn name(self) -> &'static str {
        match self {
            Signal::Ill => "SIGILL",
            Signal::Trap => "SIGTRAP",
            Signal::Bus => "SIGBUS",
            Signal::Kill => "SIGKILL",
            Signal::Segv => "SIGSEGV",
            Signal::Pipe => "SIGPIPE",
        }
    }

    /// What the report line calls it.
    pub fn description(self) -> &'static str {
        match self {
            Signal::Ill => "illegal instruction",
            Signal::Trap => "breakpoint trap",
            Signal::Bus => "bus error",
            Signal::Kill => "killed",
            Signal::Segv => "segmentation fault",
            Signal::Pipe => "broken pipe",
        }
    }
}
