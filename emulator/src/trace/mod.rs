//! Observation of execution (DESIGN.md §8, §10). The tracing issue adds events and writers; the
//! contract fixed here is that an [`Observer`] is a generic parameter whose `ENABLED = false`
//! compiles every hook out of the hot loop.

use crate::mem::access::CachedInsn;

/// Receives execution events. Implement it to build tracers, visualisers or autograders.
pub trait Observer {
    /// If false, the interpreter never calls the hooks (they compile away).
    const ENABLED: bool;

    /// An instruction at `pc` retired.
    fn on_retire(&mut self, pc: u32, insn: &CachedInsn) {
        let _ = (pc, insn);
    }
}

/// The observer that observes nothing: the fast path.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoObserver;

impl Observer for NoObserver {
    const ENABLED: bool = false;
}
