//! Address translation. Until the Sv32 MMU is wired in (its own issue), translation is a
//! host-side page map that the kernel fills on demand; it already has the permissions and the
//! page-fault behaviour the Sv32 walk will have. `sv32` (PTE, `satp`, the walk) and `tlb` are the
//! MMU's building blocks, tested on their own and not yet used by the interpreter.

pub mod context;
pub mod model;
pub mod pagemap;
pub mod sv32;
pub mod tlb;
