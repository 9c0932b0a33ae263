//! The simulated swap device (DESIGN.md §6): slots of one page, kept host-side, with a latency
//! per page moved in or out.
//!
//! The device only stores bytes and counts; what goes where is the pager's decision
//! (`os/pager.rs`). Slots are numbered from 0 and reused lowest-freed-first; the host memory
//! behind them grows with the peak number of slots in use, not with the configured size.

use crate::mem::phys::PAGE_SIZE;

/// Default swap size (DESIGN.md §6).
pub const DEFAULT_SWAP_BYTES: u64 = 512 << 20;
/// Default cycles to move one page in or out (≈ a fast SSD at 1 GHz, DESIGN.md §6).
pub const DEFAULT_SWAP_LATENCY_CYCLES: u64 = 100_000;

/// A slot number on the swap device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SwapSlot(pub u32);

/// The swap device.
#[derive(Clone, Debug)]
pub struct Swap {
    /// Slots the device has (0: swap disabled).
    capacity: u32,
    /// Bytes of every slot handed out so far, slot `i` at `i * PAGE_SIZE`.
    bytes: Vec<u8>,
    /// Slots given back, reused before new ones.
    freed: Vec<SwapSlot>,
    in_use: u32,
    peak_in_use: u32,
}

impl Swap {
    /// A device of `size_bytes` (rounded down to whole pages; 0 disables swap).
    pub fn new(size_bytes: u64) -> Swap {
        Swap {
            capacity: (size_bytes / u64::from(PAGE_SIZE)).min(u64::from(u32::MAX)) as u32,
            bytes: Vec::new(),
            freed: Vec::new(),
            in_use: 0,
            peak_in_use: 0,
        }
    }

    /// Slots in all.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Slots holding a page.
    pub fn slots_in_use(&self) -> u32 {
        self.in_use
    }

    /// Largest number of slots in use at once.
    pub fn peak_slots_in_use(&self) -> u32 {
        self.peak_in_use
    }

    /// True if [`Swap::alloc`] would succeed.
    pub fn has_free_slot(&self) -> bool {
        !self.freed.is_empty() || self.next_new() < self.capacity
    }

    /// A free slot, or `None` when the device is full (or absent).
    pub fn alloc(&mut self) -> Option<SwapSlot> {
        let slot = if let Some(s) = self.freed.pop() {
            s
        } else if self.next_new() < self.capacity {
            let s = SwapSlot(self.next_new());
            self.bytes.resize(self.bytes.len() + PAGE_SIZE as usize, 0);
            s
        } else {
            return None;
        };
        self.in_use += 1;
        self.peak_in_use = self.peak_in_use.max(self.in_use);
        Some(slot)
    }

    /// Gives `slot` back.
    pub fn free(&mut self, slot: SwapSlot) {
        debug_assert!(slot.0 < self.next_new());
        self.in_use -= 1;
        self.freed.push(slot);
    }

    /// Stores one page into `slot`.
    pub fn write(&mut self, slot: SwapSlot, page: &[u8]) {
        self.page_mut(slot).copy_from_slice(page);
    }

    /// Reads one page from `slot` into `page`.
    pub fn read(&self, slot: SwapSlot, page: &mut [u8]) {
        let off = slot.0 as usize * PAGE_SIZE as usize;
        page.copy_from_slice(&self.bytes[off..off + PAGE_SIZE as usize]);
    }

    fn page_mut(&mut self, slot: SwapSlot) -> &mut [u8] {
        let off = slot.0 as usize * PAGE_SIZE as usize;
        &mut self.bytes[off..off + PAGE_SIZE as usize]
    }

    /// The number the next never-used slot gets.
    fn next_new(&self) -> u32 {
        (self.bytes.len() / PAGE_SIZE as usize) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_hold_pages_exactly_and_run_out() {
        let mut swap = Swap::new(2 * u64::from(PAGE_SIZE));
        let a = swap.alloc().unwrap();
        let b = swap.alloc().unwrap();
        assert_eq!((a, b), (SwapSlot(0), SwapSlot(1)));
        assert!(swap.alloc().is_none(), "two slots only");
        let page: Vec<u8> = (0..PAGE_SIZE).map(|i| (i * 7 + 3) as u8).collect();
        swap.write(b, &page);
        let mut back = vec![0; PAGE_SIZE as usize];
        swap.read(b, &mut back);
        assert_eq!(back, page);
        swap.free(a);
        assert_eq!(swap.alloc(), Some(a));
        assert_eq!(swap.peak_slots_in_use(), 2);
        assert!(Swap::new(0).alloc().is_none(), "size 0 disables swap");
    }
}
