//! Typed errors of the library. The binary maps each to a one-line message and an exit code
//! (DESIGN.md §3: 125 usage/config, 126 ELF not runnable — or a bare-metal run that cannot go
//! on —, 127 ELF not found).

use std::path::PathBuf;

/// Why a program could not be loaded or run. Faults *of the guest program* are not errors: they
/// end the process with a signal (see [`crate::os::signal`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The ELF file does not exist or cannot be read.
    #[error("{path}: {cause}")]
    ElfNotFound {
        /// The path given.
        path: PathBuf,
        /// The host error. Part of the message, not the error's `source()`: an error chain
        /// printed in full (`{:#}`) would give it twice.
        cause: std::io::Error,
    },
    /// The file is not an ELF this emulator can run (wrong class/machine, dynamic, malformed…).
    #[error("{path}: {reason}")]
    ElfNotRunnable {
        /// The path given.
        path: PathBuf,
        /// One line saying what is wrong.
        reason: String,
    },
    /// A configuration value is invalid (bad size, too-small stack, …).
    #[error("{0}")]
    Config(String),
    /// A bare-metal run cannot go on: an HTIF command rvscope does not implement, or a hart
    /// stuck trapping to itself.
    #[error("{0}")]
    Bare(String),
    /// A host I/O error outside the guest's own file descriptors (e.g. writing a stats file).
    #[error("{context}: {cause}")]
    Io {
        /// What rvscope was doing.
        context: String,
        /// The host error (part of the message, as for [`Error::ElfNotFound`]).
        cause: std::io::Error,
    },
}

impl Error {
    /// The process exit code rvscope uses for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::ElfNotFound { .. } => 127,
            Error::ElfNotRunnable { .. } | Error::Bare(_) => 126,
            Error::Config(_) | Error::Io { .. } => 125,
        }
    }
}

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
