//! A flat, host-side page map: one 32-bit entry per 4 KiB virtual page of the 32-bit space.
//!
//! The memory system caches the results of Sv32 walks here (see `mem::access`): a hit skips the
//! walk's host work; the modelled TLBs are still looked up and counted.
//!
//! Entry layout: `frame << 12 | region << 8 | flags`.

use crate::mem::phys::{Frame, PAGE_SHIFT};
use crate::os::layout::Region;

/// Entry is valid.
pub const VALID: u32 = 1 << 0;
/// Readable.
pub const READ: u32 = 1 << 1;
/// Writable.
pub const WRITE: u32 = 1 << 2;
/// Executable.
pub const EXEC: u32 = 1 << 3;
/// The frame has a decoded-instruction page: a store must invalidate it first.
pub const DECODED: u32 = 1 << 4;
/// The frame is under a write watch (a device register such as HTIF's `tohost` lives there):
/// stores take the slow path, which logs them (see `mem::access`).
pub const WATCHED: u32 = 1 << 5;
const REGION_SHIFT: u32 = 8;
/// Region indices are < 8 (`Region::COUNT`): the mask lets counter updates skip bounds checks.
const REGION_MASK: u32 = 0x7;

/// Number of 4 KiB pages in the 32-bit space.
const PAGES: usize = 1 << 20;

/// Permission bits of a mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Perms {
    /// Readable.
    pub read: bool,
    /// Writable.
    pub write: bool,
    /// Executable.
    pub exec: bool,
}

impl Perms {
    /// Read only (rodata).
    pub const R: Perms = Perms {
        read: true,
        write: false,
        exec: false,
    };
    /// Read and write (data, heap, stack).
    pub const RW: Perms = Perms {
        read: true,
        write: true,
        exec: false,
    };
    /// Read and execute (text).
    pub const RX: Perms = Perms {
        read: true,
        write: false,
        exec: true,
    };

    /// Entry flag bits for these permissions (plus VALID).
    pub fn bits(self) -> u32 {
        VALID
            | if self.read { READ } else { 0 }
            | if self.write { WRITE } else { 0 }
            | if self.exec { EXEC } else { 0 }
    }
}

/// The page map.
pub struct PageMap {
    /// One entry per page of the 32-bit address space: a fixed-size array, so indexing by
    /// `vaddr >> PAGE_SHIFT` needs no bounds check on the load/store fast paths.
    entries: Box<[u32; PAGES]>,
}

impl Default for PageMap {
    fn default() -> Self {
        Self::new()
    }
}

impl PageMap {
    /// An empty map: every page faults.
    pub fn new() -> Self {
        PageMap {
            entries: vec![0; PAGES]
                .into_boxed_slice()
                .try_into()
                .expect("PAGES entries"),
        }
    }

    /// The raw entry of the page holding `vaddr`.
    #[inline(always)]
    pub fn entry(&self, vaddr: u32) -> u32 {
        self.entries[(vaddr >> PAGE_SHIFT) as usize]
    }

    /// Maps the page at `vaddr` to `frame`.
    pub fn map(&mut self, vaddr: u32, frame: Frame, perms: Perms, region: Region) {
        self.entries[(vaddr >> PAGE_SHIFT) as usize] =
            (frame.0 << PAGE_SHIFT) | ((region as u32) << REGION_SHIFT) | perms.bits();
    }

    /// Sets the raw entry of the page holding `vaddr`.
    #[inline]
    pub fn set_entry(&mut self, vaddr: u32, entry: u32) {
        self.entries[(vaddr >> PAGE_SHIFT) as usize] = entry;
    }

    /// Removes the mapping of the page at `vaddr`, returning its frame if it had one.
    pub fn unmap(&mut self, vaddr: u32) -> Option<Frame> {
        let slot = &mut self.entries[(vaddr >> PAGE_SHIFT) as usize];
        let old = std::mem::take(slot);
        (old & VALID != 0).then(|| entry_frame(old))
    }

    /// Sets or clears the DECODED mark of the page at `vaddr`.
    pub fn set_decoded(&mut self, vaddr: u32, decoded: bool) {
        let slot = &mut self.entries[(vaddr >> PAGE_SHIFT) as usize];
        if decoded {
            *slot |= DECODED;
        } else {
            *slot &= !DECODED;
        }
    }

    /// Number of valid entries (resident pages).
    pub fn resident_pages(&self) -> usize {
        self.entries.iter().filter(|&&e| e & VALID != 0).count()
    }
}

/// The frame an entry maps.
#[inline(always)]
pub fn entry_frame(entry: u32) -> Frame {
    Frame(entry >> PAGE_SHIFT)
}

/// The region an entry was mapped for.
#[inline(always)]
pub fn entry_region_index(entry: u32) -> usize {
    ((entry >> REGION_SHIFT) & REGION_MASK) as usize
}

/// Byte offset in RAM of `vaddr` under `entry` (which must be valid).
#[inline(always)]
pub fn entry_ram_offset(entry: u32, vaddr: u32) -> usize {
    ((entry & !0xfff) | (vaddr & 0xfff)) as usize
}
