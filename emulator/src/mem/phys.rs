//! Simulated physical RAM and its frame allocator.
//!
//! RAM is one flat byte array starting at physical address [`RAM_BASE`] (as on Spike and QEMU's
//! `virt`/`spike` machines). The kernel hands out 4 KiB frames; a frame is identified by its
//! index ([`Frame`]), and its bytes live at `index * PAGE_SIZE` in the array.
//!
//! The allocator records who owns each frame ([`FrameOwner`]): the pager (DESIGN.md §6) needs
//! the reverse map frame → user page to evict a page, and must never pick a page table or
//! kernel data.

/// Bytes per page / frame (Sv32 base page).
pub const PAGE_SIZE: u32 = 4096;
/// log2 of [`PAGE_SIZE`].
pub const PAGE_SHIFT: u32 = 12;
/// Physical address of the first byte of RAM.
pub const RAM_BASE: u32 = 0x8000_0000;

/// A physical frame number, counted from [`RAM_BASE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Frame(pub u32);

impl Frame {
    /// Byte offset of the frame in the RAM array.
    #[inline(always)]
    pub fn offset(self) -> usize {
        (self.0 as usize) << PAGE_SHIFT
    }
    /// Physical address of the frame's first byte.
    pub fn paddr(self) -> u32 {
        RAM_BASE.wrapping_add(self.0 << PAGE_SHIFT)
    }
}

/// Who holds a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameOwner {
    /// Not allocated.
    Free,
    /// Kernel data (allocated, not yet given to a page or table).
    Kernel,
    /// A page table (the root or a level-0 table): never evicted.
    PageTable,
    /// The user page at this (page-aligned) virtual address.
    User(u32),
}

/// Simulated RAM plus the allocator of its frames.
pub struct PhysMem {
    bytes: Vec<u8>,
    frame_count: u32,
    /// Frames never handed out yet are `next_fresh..frame_count` (still zero: the host's
    /// calloc'd pages are not even touched until used).
    next_fresh: u32,
    /// Frames given back; zeroed again when reused.
    freed: Vec<Frame>,
    in_use: u32,
    peak_in_use: u32,
    /// Owner of each frame.
    owners: Vec<FrameOwner>,
}

impl PhysMem {
    /// RAM of `size_bytes` (rounded down to whole frames).
    pub fn new(size_bytes: u64) -> Self {
        let frame_count = (size_bytes >> PAGE_SHIFT) as u32;
        PhysMem {
            bytes: vec![0; (frame_count as usize) << PAGE_SHIFT],
            frame_count,
            next_fresh: 0,
            freed: Vec::new(),
            in_use: 0,
            peak_in_use: 0,
            owners: vec![FrameOwner::Free; frame_count as usize],
        }
    }

    /// Total frames of RAM.
    pub fn frame_count(&self) -> u32 {
        self.frame_count
    }

    /// Frames currently allocated.
    pub fn frames_in_use(&self) -> u32 {
        self.in_use
    }

    /// Largest number of frames allocated at once.
    pub fn peak_frames_in_use(&self) -> u32 {
        self.peak_in_use
    }

    /// Allocates a zero-filled frame, or `None` when RAM is full.
    pub fn alloc_zeroed(&mut self) -> Option<Frame> {
        let frame = if let Some(f) = self.freed.pop() {
            self.frame_mut(f).fill(0);
            f
        } else if self.next_fresh < self.frame_count {
            self.next_fresh += 1;
            Frame(self.next_fresh - 1)
        } else {
            return None;
        };
        self.in_use += 1;
        self.peak_in_use = self.peak_in_use.max(self.in_use);
        self.owners[frame.0 as usize] = FrameOwner::Kernel;
        Some(frame)
    }

    /// Returns a frame to the allocator.
    pub fn free(&mut self, frame: Frame) {
        debug_assert!(frame.0 < self.next_fresh);
        debug_assert_ne!(self.owners[frame.0 as usize], FrameOwner::Free);
        self.in_use -= 1;
        self.freed.push(frame);
        self.owners[frame.0 as usize] = FrameOwner::Free;
    }

    /// Frames not allocated.
    pub fn free_frames(&self) -> u32 {
        self.frame_count - self.in_use
    }

    /// Who holds `frame`.
    pub fn owner(&self, frame: Frame) -> FrameOwner {
        self.owners[frame.0 as usize]
    }

    /// Records who holds an allocated `frame`.
    pub fn set_owner(&mut self, frame: Frame, owner: FrameOwner) {
        debug_assert_ne!(self.owners[frame.0 as usize], FrameOwner::Free);
        self.owners[frame.0 as usize] = owner;
    }

    /// The bytes of one frame.
    pub fn frame(&self, frame: Frame) -> &[u8] {
        let off = frame.offset();
        &self.bytes[off..off + PAGE_SIZE as usize]
    }

    /// The bytes of one frame, writable.
    pub fn frame_mut(&mut self, frame: Frame) -> &mut [u8] {
        let off = frame.offset();
        &mut self.bytes[off..off + PAGE_SIZE as usize]
    }

    /// All of RAM (offsets as given by [`Frame::offset`]).
    #[inline(always)]
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// All of RAM, writable.
    #[inline(always)]
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_zeroed_and_reused() {
        let mut ram = PhysMem::new(3 * PAGE_SIZE as u64);
        let a = ram.alloc_zeroed().unwrap();
        let b = ram.alloc_zeroed().unwrap();
        let c = ram.alloc_zeroed().unwrap();
        assert_eq!((a, b, c), (Frame(0), Frame(1), Frame(2)));
        assert!(ram.alloc_zeroed().is_none(), "RAM of 3 frames is full");
        ram.frame_mut(b)[7] = 0xaa;
        ram.free(b);
        let again = ram.alloc_zeroed().unwrap();
        assert_eq!(again, b);
        assert_eq!(ram.owner(again), FrameOwner::Kernel);
        ram.set_owner(again, FrameOwner::User(0x1000));
        assert_eq!(ram.owner(again), FrameOwner::User(0x1000));
        ram.free(again);
        assert_eq!(ram.owner(again), FrameOwner::Free);
        let again = ram.alloc_zeroed().unwrap();
        assert!(
            ram.frame(again).iter().all(|&x| x == 0),
            "a reused frame is zero-filled"
        );
        assert_eq!(ram.peak_frames_in_use(), 3);
        assert_eq!(Frame(1).paddr(), RAM_BASE + PAGE_SIZE);
    }
}
