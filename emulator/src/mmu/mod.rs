//! Address translation. Until the Sv32 MMU lands (its own issue), translation is a host-side
//! page map that the kernel fills on demand; it already has the permissions and the page-fault
//! behaviour the Sv32 walk will have.

pub mod pagemap;
