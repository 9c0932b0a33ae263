//! rvscope: a cycle-level RISC-V (RV32) CPU + MMU emulator that runs newlib C programs as user
//! processes and shows where every memory access goes.
//!
//! ```no_run
//! use rvscope::{Config, Machine, os::files::Files};
//! let config = Config::default();
//! let mut m = Machine::new(&config, "prog.elf".as_ref(), &["prog.elf".into()], Files::with_host_stdio(None).expect("stdio"))?;
//! let outcome = m.run();
//! println!("{} instructions, exit status {}", m.stats().instructions, outcome.exit_status());
//! # Ok::<(), rvscope::Error>(())
//! ```

pub mod config;
pub mod error;
pub mod hart;
pub mod isa;
pub mod machine;
pub mod mem;
pub mod mmu;
pub mod os;
pub mod stats;
pub mod timing;
pub mod trace;

pub use config::Config;
pub use error::{Error, Result};
pub use machine::{BareMachine, Core, Machine, Outcome};
pub use stats::Stats;
pub use trace::{NoObserver, Observer};
