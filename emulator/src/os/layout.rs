//! The user address-space layout of DESIGN.md §2 (32-bit Linux style: 3 GiB user, 1 GiB kernel)
//! and the names of its regions.

use crate::mem::phys::PAGE_SIZE;

/// Everything below this address is never mapped: a dereference is a "null page" fault.
pub const NULL_PAGE_END: u32 = 0x0001_0000;
/// First kernel address; user accesses at or above it fault.
pub const KERNEL_BASE: u32 = 0xC000_0000;
/// Highest stack address + 1: one page below the kernel, as DESIGN.md §2 says.
pub const STACK_TOP: u32 = KERNEL_BASE - PAGE_SIZE;
/// Default stack size limit (`--stack-size`).
pub const DEFAULT_STACK_LIMIT: u32 = 8 << 20;
/// Gap below the stack limit that is never mapped; touching it is a "stack overflow" (Linux's
/// stack_guard_gap is 256 pages; a frame with a big local array jumps well past one page).
pub const STACK_GUARD_GAP: u32 = 256 * PAGE_SIZE;

/// A named part of the address space; every user access is counted against one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Region {
    /// Executable code (PT_LOAD with X).
    Text = 0,
    /// Read-only data (PT_LOAD with R only).
    Rodata,
    /// Initialised writable data.
    Data,
    /// Zero-initialised writable data.
    Bss,
    /// The `brk` heap.
    Heap,
    /// Anonymous `mmap` area.
    Mmap,
    /// The stack.
    Stack,
    /// The kernel's range (never user-accessible).
    Kernel,
}

impl Region {
    /// Number of regions (array size for per-region counters).
    pub const COUNT: usize = 8;
    /// All regions in counter order.
    pub const ALL: [Region; Self::COUNT] = [
        Region::Text,
        Region::Rodata,
        Region::Data,
        Region::Bss,
        Region::Heap,
        Region::Mmap,
        Region::Stack,
        Region::Kernel,
    ];

    /// Lower-case name used in messages and statistics.
    pub fn name(self) -> &'static str {
        match self {
            Region::Text => "text",
            Region::Rodata => "rodata",
            Region::Data => "data",
            Region::Bss => "bss",
            Region::Heap => "heap",
            Region::Mmap => "mmap",
            Region::Stack => "stack",
            Region::Kernel => "kernel",
        }
    }

    /// The region with counter index `i` (`i < COUNT`). A `match` in discriminant order
    /// compiles to nothing but the mask (the index is the discriminant); indexing
    /// [`Region::ALL`] was a table load on every traced block run and access.
    #[inline(always)]
    pub fn from_index(i: usize) -> Region {
        match i & (Self::COUNT - 1) {
            0 => Region::Text,
            1 => Region::Rodata,
            2 => Region::Data,
            3 => Region::Bss,
            4 => Region::Heap,
            5 => Region::Mmap,
            6 => Region::Stack,
            _ => Region::Kernel,
        }
    }
}

/// Rounds `addr` down to a page boundary.
pub fn page_floor(addr: u32) -> u32 {
    addr & !(PAGE_SIZE - 1)
}

/// Rounds `addr` up to a page boundary (saturating at the top page).
pub fn page_ceil(addr: u64) -> u64 {
    (addr + PAGE_SIZE as u64 - 1) & !(PAGE_SIZE as u64 - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_from_index_is_its_counter_index() {
        for (i, r) in Region::ALL.iter().enumerate() {
            assert_eq!(Region::from_index(i), *r);
            assert_eq!(*r as usize, i);
            // The index is masked, as the counters' arrays are sized.
            assert_eq!(Region::from_index(i + Region::COUNT), *r);
        }
    }
}
