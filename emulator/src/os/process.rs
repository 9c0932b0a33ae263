//! The user process: its regions (VMAs), initial stack, `brk` heap and `mmap` area, and the
//! page-fault handler that maps pages on first touch (demand paging, DESIGN.md §2).

use crate::hart::trap::AccessKind;
use crate::mem::access::Memory;
use crate::mem::phys::{PAGE_SIZE, RAM_BASE};
use crate::mem::swap::SwapSlot;
use crate::mmu::pagemap::Perms;
use crate::os::layout::{
    page_ceil, page_floor, Region, KERNEL_BASE, NULL_PAGE_END, STACK_GUARD_GAP, STACK_TOP,
};
use crate::os::loader::{ElfImage, Segment};
use crate::os::pager::Pager;
use crate::os::uaccess::{BadUserAddr, UserMemory};

/// What backs a region's pages on first touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backing {
    /// Zero-filled pages (bss, heap, stack, anonymous mmap).
    Anonymous,
    /// Bytes from the ELF image's segments (text, rodata, data); the rest of the page is zero.
    Image,
}

/// A virtual memory area: a page-aligned range with one set of permissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vma {
    /// First address (page-aligned).
    pub start: u32,
    /// One past the last address (page-aligned; u64 so the top of memory is representable).
    pub end: u64,
    /// Access permissions.
    pub perms: Perms,
    /// Which part of the layout this is.
    pub region: Region,
    /// How its pages are filled.
    pub backing: Backing,
}

impl Vma {
    /// True if `vaddr` is inside.
    pub fn contains(&self, vaddr: u32) -> bool {
        self.start <= vaddr && (vaddr as u64) < self.end
    }

    fn allows(&self, kind: AccessKind) -> bool {
        match kind {
            AccessKind::Fetch => self.perms.exec,
            AccessKind::Load => self.perms.read,
            AccessKind::Store => self.perms.write,
        }
    }
}

/// Why a user access could not be satisfied: the kernel ends the process with SIGSEGV (or
/// SIGKILL when memory ran out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultCause {
    /// Below 0x10000: a null (or near-null) pointer.
    NullPage,
    /// Below the stack's limit, in the guard gap; `depth` is how far below the stack top.
    StackOverflow {
        /// Bytes between the stack top and the faulting address.
        depth: u32,
    },
    /// The kernel's range (≥ 0xC000_0000).
    Kernel,
    /// No region there.
    Unmapped,
    /// A region that does not allow this access (write to text, execute data, …).
    Protection {
        /// The region hit.
        region: Region,
        /// What was attempted.
        kind: AccessKind,
    },
    /// No free frame: out of memory.
    OutOfMemory,
}

impl FaultCause {
    /// A short description for the one-line fault report, e.g. `null page`, `text: not writable`.
    pub fn describe(&self) -> String {
        match self {
            FaultCause::NullPage => "null page".into(),
            FaultCause::StackOverflow { depth } => {
                format!("stack overflow: {depth} bytes below the stack top")
            }
            FaultCause::Kernel => "kernel address".into(),
            FaultCause::Unmapped => "unmapped".into(),
            FaultCause::Protection { region, kind } => {
                let what = match kind {
                    AccessKind::Fetch => "not executable",
                    AccessKind::Load => "not readable",
                    AccessKind::Store => "not writable",
                };
                format!("{}: {what}", region.name())
            }
            FaultCause::OutOfMemory => "out of memory".into(),
        }
    }
}

/// Counters of the kernel's memory work.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PagingStats {
    /// Pages mapped on first touch (zero-filled or copied from the ELF), per region index.
    pub minor_faults: [u64; Region::COUNT],
    /// Pages read back from swap, per region index.
    pub major_faults: [u64; Region::COUNT],
    /// Kernel cycles spent on page faults and swap transfers.
    pub paging_cycles: u64,
}

/// Linux `mmap` flags and protections used by the anonymous-mapping subset.
mod mmap_abi {
    pub const PROT_READ: u32 = 0x1;
    pub const PROT_WRITE: u32 = 0x2;
    pub const PROT_EXEC: u32 = 0x4;
    pub const MAP_SHARED: u32 = 0x01;
    pub const MAP_PRIVATE: u32 = 0x02;
    pub const MAP_FIXED: u32 = 0x10;
    pub const MAP_ANONYMOUS: u32 = 0x20;
}

/// Linux errno values returned by the memory syscalls.
mod errno {
    pub const ENOMEM: i32 = 12;
    pub const EINVAL: i32 = 22;
}

/// The running program's address space (the kernel's view; the page map is the hardware's).
pub struct Process {
    image: ElfImage,
    /// Regions sorted by start address.
    vmas: Vec<Vma>,
    /// First heap address (page-aligned end of the image).
    brk_start: u32,
    /// Current program break.
    brk: u32,
    /// Lowest address the stack may grow to.
    stack_limit: u32,
    /// Paging counters.
    pub paging: PagingStats,
    /// Page replacement and swap (DESIGN.md §6).
    pub pager: Pager,
}

impl Process {
    /// Builds the address space of `image` with a stack of `stack_size` bytes (not yet touched).
    pub fn new(image: ElfImage, stack_size: u32) -> Self {
        let mut vmas = Vec::new();
        for seg in &image.segments {
            let start = page_floor(seg.vaddr);
            // A segment with no file bytes (a separate bss) has no data page, even when it
            // starts mid-page.
            let file_end = if seg.data.is_empty() {
                start as u64
            } else {
                page_ceil(seg.vaddr as u64 + seg.data.len() as u64)
            };
            let mem_end = page_ceil(seg.end());
            let region = match (seg.perms.exec, seg.perms.write) {
                (true, _) => Region::Text,
                (false, false) => Region::Rodata,
                (false, true) => Region::Data,
            };
            if region == Region::Data {
                if file_end > start as u64 {
                    push_vma(
                        &mut vmas,
                        start,
                        file_end,
                        seg.perms,
                        Region::Data,
                        Backing::Image,
                    );
                }
                if mem_end > file_end {
                    push_vma(
                        &mut vmas,
                        file_end as u32,
                        mem_end,
                        seg.perms,
                        Region::Bss,
                        Backing::Anonymous,
                    );
                }
            } else {
                push_vma(&mut vmas, start, mem_end, seg.perms, region, Backing::Image);
            }
        }
        let brk_start =
            page_ceil(image.segments.iter().map(Segment::end).max().unwrap_or(0)) as u32;
        let stack_limit = STACK_TOP - stack_size;
        vmas.push(Vma {
            start: stack_limit,
            end: STACK_TOP as u64,
            perms: Perms {
                read: true,
                write: true,
                exec: false,
            },
            region: Region::Stack,
            backing: Backing::Anonymous,
        });
        vmas.sort_by_key(|v| v.start);
        Process {
            image,
            vmas,
            brk_start,
            brk: brk_start,
            stack_limit,
            paging: PagingStats::default(),
            pager: Pager::default(),
        }
    }

    /// The ELF image.
    pub fn image(&self) -> &ElfImage {
        &self.image
    }

    /// The regions, sorted by address.
    pub fn vmas(&self) -> &[Vma] {
        &self.vmas
    }

    /// Current program break.
    pub fn brk(&self) -> u32 {
        self.brk
    }

    /// The region containing `vaddr`, if any.
    pub fn vma_at(&self, vaddr: u32) -> Option<&Vma> {
        let i = self.vmas.partition_point(|v| v.end <= vaddr as u64);
        self.vmas.get(i).filter(|v| v.contains(vaddr))
    }

    /// Why an address has no usable region (for the SIGSEGV report).
    pub fn classify_unmapped(&self, vaddr: u32) -> FaultCause {
        if vaddr < NULL_PAGE_END {
            FaultCause::NullPage
        } else if vaddr >= KERNEL_BASE {
            FaultCause::Kernel
        } else if vaddr < self.stack_limit
            && vaddr >= self.stack_limit.saturating_sub(STACK_GUARD_GAP)
        {
            FaultCause::StackOverflow {
                depth: STACK_TOP - vaddr,
            }
        } else {
            FaultCause::Unmapped
        }
    }

    /// Page-fault handler: maps the page holding `vaddr` if its region allows `kind`, else says
    /// why the access is fatal.
    pub fn handle_page_fault(
        &mut self,
        mem: &mut Memory,
        vaddr: u32,
        kind: AccessKind,
    ) -> Result<(), FaultCause> {
        let vma = *self
            .vma_at(vaddr)
            .ok_or_else(|| self.classify_unmapped(vaddr))?;
        if !vma.allows(kind) {
            return Err(FaultCause::Protection {
                region: vma.region,
                kind,
            });
        }
        if mem.user_frame(vaddr).is_some() {
            // Mapped and allowed, yet it faulted: cannot happen with these page tables (the
            // PTE's permissions are the VMA's). Treat as a protection fault rather than loop
            // forever.
            return Err(FaultCause::Protection {
                region: vma.region,
                kind,
            });
        }
        self.map_page(mem, vaddr, &vma)
    }

    /// Allocates, fills and maps the page holding `vaddr` in `vma`: from its swap slot if the
    /// pager evicted it (a major fault), else zero-filled or from the ELF (a minor fault).
    fn map_page(&mut self, mem: &mut Memory, vaddr: u32, vma: &Vma) -> Result<(), FaultCause> {
        let page = page_floor(vaddr);
        let slot = mem.swap_slot(page).map(SwapSlot);
        let frame = self.pager.alloc_frame(mem)?;
        // The page's level-0 table, if new, needs a frame too: free one now (evicting cannot
        // take `frame`, which is not a user page yet).
        if mem.needs_page_table(page) {
            if let Err(e) = self.pager.reserve(mem, 1) {
                mem.ram.free(frame);
                return Err(e);
            }
        }
        match slot {
            Some(slot) => self.pager.swap_in(mem, slot, frame),
            None if vma.backing == Backing::Image => {
                let bytes = mem.ram.frame_mut(frame);
                for seg in &self.image.segments {
                    copy_segment_part(seg, page, bytes);
                }
            }
            None => {}
        }
        if mem
            .map_user_page(page, frame, vma.perms, vma.region)
            .is_err()
        {
            // No frame for the page's level-0 table (reserved above: cannot happen).
            mem.ram.free(frame);
            return Err(FaultCause::OutOfMemory);
        }
        self.pager.page_mapped(mem, frame, slot);
        let counter = if slot.is_some() {
            &mut self.paging.major_faults
        } else {
            &mut self.paging.minor_faults
        };
        counter[vma.region as usize] += 1;
        Ok(())
    }

    /// Unmaps every page in `[start, end)`, freeing the frames and swap slots.
    fn unmap_range(pager: &mut Pager, mem: &mut Memory, start: u32, end: u64) {
        let mut page = start as u64;
        while page < end {
            if let Some(frame) = mem.unmap_user_page(page as u32) {
                pager.page_unmapped(frame);
                mem.ram.free(frame);
            } else if let Some(slot) = mem.take_swap_slot(page as u32) {
                pager.slot_discarded(SwapSlot(slot));
            }
            page += PAGE_SIZE as u64;
        }
    }

    /// True if growing the reserved address space by `pages` would pass the commit limit
    /// (RAM plus swap): like Linux's heuristic overcommit, an allocation that could never be
    /// backed is refused up front, so `malloc` returns NULL instead of the process being
    /// killed later. The stack is not counted (it is reserved up to its limit but rarely used).
    fn exceeds_commit(&self, pages: u64) -> bool {
        let Some(limit) = self.pager.commit_limit_pages() else {
            return false;
        };
        let reserved: u64 = self
            .vmas
            .iter()
            .filter(|v| v.region != Region::Stack)
            .map(|v| (v.end - u64::from(v.start)) / u64::from(PAGE_SIZE))
            .sum();
        reserved + pages > limit
    }

    // ---- brk ----

    /// `brk(addr)` with Linux semantics: returns the new break, or the old one if the request is
    /// refused (below the heap start, or colliding with a mapping or the stack gap). Growth is
    /// lazy, like Linux overcommit: running out of frames shows when a page is first touched.
    pub fn sys_brk(&mut self, mem: &mut Memory, addr: u32) -> u32 {
        if addr < self.brk_start {
            return self.brk;
        }
        let old_end = page_ceil(self.brk as u64);
        let new_end = page_ceil(addr as u64);
        if new_end > old_end {
            // The new heap pages must not run into any other region (mmap area, stack gap).
            let collides =
                self.vmas.iter().any(|v| {
                    v.region != Region::Heap && (v.start as u64) < new_end && v.end > old_end
                }) || new_end > self.stack_limit.saturating_sub(STACK_GUARD_GAP) as u64;
            if collides || self.exceeds_commit((new_end - old_end) / u64::from(PAGE_SIZE)) {
                return self.brk;
            }
        } else if new_end < old_end {
            Self::unmap_range(&mut self.pager, mem, new_end as u32, old_end);
        }
        self.brk = addr;
        self.vmas.retain(|v| v.region != Region::Heap);
        if new_end > self.brk_start as u64 {
            push_vma(
                &mut self.vmas,
                self.brk_start,
                new_end,
                Perms {
                    read: true,
                    write: true,
                    exec: false,
                },
                Region::Heap,
                Backing::Anonymous,
            );
            self.vmas.sort_by_key(|v| v.start);
        }
        self.brk
    }

    // ---- mmap / munmap ----

    /// `mmap`: anonymous private mappings only (others are -EINVAL); placed top-down below the
    /// stack's guard gap, first fit. Returns the address or -errno.
    pub fn sys_mmap(&mut self, addr: u32, len: u32, prot: u32, flags: u32, fd: u32) -> i32 {
        use mmap_abi::*;
        let _ = (addr, fd);
        let anon_private = flags & (MAP_ANONYMOUS | MAP_PRIVATE) == MAP_ANONYMOUS | MAP_PRIVATE;
        if len == 0 || !anon_private || flags & (MAP_SHARED | MAP_FIXED) != 0 {
            return -errno::EINVAL;
        }
        let len = page_ceil(len as u64);
        let floor = page_ceil(self.brk as u64).max(self.brk_start as u64);
        let mut top = self.stack_limit.saturating_sub(STACK_GUARD_GAP) as u64;
        // Walk regions from the top down, looking for a gap of `len` under `top`.
        for v in self.vmas.iter().rev() {
            if (v.start as u64) >= top {
                continue;
            }
            if v.end <= top && top - v.end >= len {
                break;
            }
            top = top.min(v.start as u64);
        }
        if top < len || top - len < floor || self.exceeds_commit(len / u64::from(PAGE_SIZE)) {
            return -errno::ENOMEM;
        }
        let start = (top - len) as u32;
        let perms = Perms {
            read: prot & PROT_READ != 0,
            write: prot & PROT_WRITE != 0,
            exec: prot & PROT_EXEC != 0,
        };
        push_vma(
            &mut self.vmas,
            start,
            top,
            perms,
            Region::Mmap,
            Backing::Anonymous,
        );
        self.vmas.sort_by_key(|v| v.start);
        start as i32
    }

    /// `munmap`: removes `[addr, addr+len)` from the mmap area (splitting regions as needed) and
    /// frees the pages. Returns 0 or -errno.
    pub fn sys_munmap(&mut self, mem: &mut Memory, addr: u32, len: u32) -> i32 {
        if addr & (PAGE_SIZE - 1) != 0 || len == 0 {
            return -errno::EINVAL;
        }
        let start = addr as u64;
        let end = page_ceil(addr as u64 + len as u64);
        let mut kept = Vec::with_capacity(self.vmas.len() + 1);
        for v in self.vmas.drain(..) {
            if v.region != Region::Mmap || v.end <= start || v.start as u64 >= end {
                kept.push(v);
                continue;
            }
            if (v.start as u64) < start {
                kept.push(Vma { end: start, ..v });
            }
            if v.end > end {
                kept.push(Vma {
                    start: end as u32,
                    ..v
                });
            }
            let cut_start = (v.start as u64).max(start) as u32;
            Self::unmap_range(&mut self.pager, mem, cut_start, v.end.min(end));
        }
        kept.sort_by_key(|v| v.start);
        self.vmas = kept;
        0
    }

    // ---- initial stack ----

    /// Builds the Linux/riscv-pk initial stack (DESIGN.md §2) and returns the initial `sp`.
    pub fn build_initial_stack(
        &mut self,
        mem: &mut Memory,
        argv: &[Vec<u8>],
        envp: &[Vec<u8>],
    ) -> Result<u32, FaultCause> {
        const AT_NULL: u32 = 0;
        const AT_PHDR: u32 = 3;
        const AT_PHENT: u32 = 4;
        const AT_PHNUM: u32 = 5;
        const AT_PAGESZ: u32 = 6;
        const AT_ENTRY: u32 = 9;
        const AT_RANDOM: u32 = 25;
        // Deterministic "random" bytes: every run of a program sees the same AT_RANDOM.
        const RANDOM_BYTES: [u8; 16] = *b"rvscope-at-rand!";

        let mut cursor = STACK_TOP;
        let mut uaccess = KernelAccess { process: self, mem };
        let mut push_bytes =
            |ua: &mut KernelAccess, bytes: &[u8], nul: bool| -> Result<u32, FaultCause> {
                let total = bytes.len() as u32 + nul as u32;
                cursor = cursor
                    .checked_sub(total)
                    .filter(|&c| c >= ua.process.stack_limit)
                    .ok_or(FaultCause::StackOverflow {
                        depth: STACK_TOP - ua.process.stack_limit,
                    })?;
                ua.copy_to_user(cursor, bytes)
                    .map_err(|_| FaultCause::OutOfMemory)?;
                if nul {
                    ua.copy_to_user(cursor + bytes.len() as u32, &[0])
                        .map_err(|_| FaultCause::OutOfMemory)?;
                }
                Ok(cursor)
            };
        let mut env_ptrs = Vec::with_capacity(envp.len());
        for e in envp.iter().rev() {
            env_ptrs.push(push_bytes(&mut uaccess, e, true)?);
        }
        env_ptrs.reverse();
        let mut arg_ptrs = Vec::with_capacity(argv.len());
        for a in argv.iter().rev() {
            arg_ptrs.push(push_bytes(&mut uaccess, a, true)?);
        }
        arg_ptrs.reverse();
        let random_ptr = push_bytes(&mut uaccess, &RANDOM_BYTES, false)?;

        let image = &uaccess.process.image;
        let auxv = [
            (AT_PHDR, image.phdr_vaddr),
            (AT_PHENT, image.phent),
            (AT_PHNUM, image.phnum),
            (AT_PAGESZ, PAGE_SIZE),
            (AT_ENTRY, image.entry),
            (AT_RANDOM, random_ptr),
            (AT_NULL, 0),
        ];
        let mut words: Vec<u32> = Vec::new();
        words.push(argv.len() as u32);
        words.extend(&arg_ptrs);
        words.push(0);
        words.extend(&env_ptrs);
        words.push(0);
        for (key, value) in auxv {
            words.push(key);
            words.push(value);
        }
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let sp = cursor
            .checked_sub(bytes.len() as u32)
            .map(|s| s & !15)
            .filter(|&s| s >= uaccess.process.stack_limit)
            .ok_or(FaultCause::StackOverflow {
                depth: STACK_TOP - uaccess.process.stack_limit,
            })?;
        uaccess
            .copy_to_user(sp, &bytes)
            .map_err(|_| FaultCause::OutOfMemory)?;
        Ok(sp)
    }
}

/// Adds a region, trimming its start if it would overlap the previous one (two ELF segments
/// sharing a page: the page belongs to the first, and is filled from both).
fn push_vma(
    vmas: &mut Vec<Vma>,
    start: u32,
    end: u64,
    perms: Perms,
    region: Region,
    backing: Backing,
) {
    let start = vmas
        .iter()
        .filter(|v| v.region != Region::Mmap && (v.start as u64) < end && v.end > start as u64)
        .map(|v| v.end)
        .max()
        .map_or(start as u64, |e| e.max(start as u64));
    if start < end {
        vmas.push(Vma {
            start: start as u32,
            end,
            perms,
            region,
            backing,
        });
    }
}

/// Copies the part of `seg`'s file bytes that falls in the page at `page` into `frame_bytes`.
fn copy_segment_part(seg: &Segment, page: u32, frame_bytes: &mut [u8]) {
    let page_start = page as u64;
    let page_end = page_start + PAGE_SIZE as u64;
    let data_start = seg.vaddr as u64;
    let data_end = data_start + seg.data.len() as u64;
    let lo = page_start.max(data_start);
    let hi = page_end.min(data_end);
    if lo < hi {
        let src = &seg.data[(lo - data_start) as usize..(hi - data_start) as usize];
        frame_bytes[(lo - page_start) as usize..(hi - page_start) as usize].copy_from_slice(src);
    }
}

/// User-memory access on behalf of the kernel (syscalls, exec): pages that are not yet mapped
/// but belong to a region are faulted in, as Linux's `copy_{from,to}_user` would.
pub struct KernelAccess<'a> {
    /// The process whose memory is accessed.
    pub process: &'a mut Process,
    /// The memory.
    pub mem: &'a mut Memory,
}

impl KernelAccess<'_> {
    /// RAM offset of `vaddr` after faulting its page in, if `kind` is allowed there.
    fn ram_offset(&mut self, vaddr: u32, kind: AccessKind) -> Result<usize, BadUserAddr> {
        let vma = *self.process.vma_at(vaddr).ok_or(BadUserAddr(vaddr))?;
        if !vma.allows(kind) {
            return Err(BadUserAddr(vaddr));
        }
        let frame = match self.mem.user_frame(vaddr) {
            Some(frame) => {
                self.mem.note_reference(frame);
                frame
            }
            None => {
                self.process
                    .map_page(self.mem, vaddr, &vma)
                    .map_err(|_| BadUserAddr(vaddr))?;
                self.mem.user_frame(vaddr).ok_or(BadUserAddr(vaddr))?
            }
        };
        Ok(frame.offset() + (vaddr & (PAGE_SIZE - 1)) as usize)
    }
}

impl UserMemory for KernelAccess<'_> {
    fn copy_from_user(&mut self, vaddr: u32, buf: &mut [u8]) -> Result<(), BadUserAddr> {
        let mut done = 0usize;
        while done < buf.len() {
            let addr = vaddr.checked_add(done as u32).ok_or(BadUserAddr(vaddr))?;
            let chunk = ((PAGE_SIZE - (addr & (PAGE_SIZE - 1))) as usize).min(buf.len() - done);
            let off = self.ram_offset(addr, AccessKind::Load)?;
            self.mem
                .note_kernel_access(addr, RAM_BASE.wrapping_add(off as u32), chunk);
            buf[done..done + chunk].copy_from_slice(&self.mem.ram.bytes()[off..off + chunk]);
            done += chunk;
        }
        Ok(())
    }

    fn copy_to_user(&mut self, vaddr: u32, data: &[u8]) -> Result<(), BadUserAddr> {
        let mut done = 0usize;
        while done < data.len() {
            let addr = vaddr.checked_add(done as u32).ok_or(BadUserAddr(vaddr))?;
            let chunk = ((PAGE_SIZE - (addr & (PAGE_SIZE - 1))) as usize).min(data.len() - done);
            let off = self.ram_offset(addr, AccessKind::Store)?;
            // The kernel writing into a page holding decoded code (e.g. read() into a buffer on a
            // RWX page) makes the decoded copy stale.
            self.mem.user_page_written(addr);
            self.mem
                .note_kernel_access(addr, RAM_BASE.wrapping_add(off as u32), chunk);
            self.mem.ram.bytes_mut()[off..off + chunk].copy_from_slice(&data[done..done + chunk]);
            done += chunk;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! Hand-computed address-space facts on a synthetic image:
    //!
    //! | segment | vaddr   | filesz | memsz  | perms | VMAs                                    |
    //! |---------|---------|--------|--------|-------|-----------------------------------------|
    //! | text    | 0x10000 | 0x1234 | 0x1234 | R-X   | text [0x10000, 0x12000)                 |
    //! | rodata  | 0x12100 | 0x100  | 0x100  | R--   | rodata [0x12000, 0x13000)               |
    //! | data    | 0x13f00 | 0x1200 | 0x3000 | RW-   | data [0x13000, 0x16000), bss [0x16000, 0x17000) |
    //!
    //! The heap starts at 0x17000; with the default 8 MiB stack the stack is
    //! [0xBF7FF000, 0xBFFFF000) and its guard gap [0xBF6FF000, 0xBF7FF000).

    use super::*;
    use crate::mem::phys::PhysMem;
    use crate::os::layout::DEFAULT_STACK_LIMIT;

    const PAGE: u32 = PAGE_SIZE;
    const TEXT: u32 = 0x10000;
    const RODATA: u32 = 0x12100;
    const DATA: u32 = 0x13f00;
    const DATA_FILESZ: u32 = 0x1200;
    const BRK_START: u32 = 0x17000;
    const STACK_LIMIT: u32 = STACK_TOP - DEFAULT_STACK_LIMIT;
    const GAP_BOTTOM: u32 = STACK_LIMIT - STACK_GUARD_GAP;

    const RX: Perms = Perms::RX;
    const R: Perms = Perms::R;
    const RW: Perms = Perms::RW;

    /// Byte `i` of a segment's file data: never zero, so "zero after filesz" is visible.
    fn pattern(seed: u8, i: usize) -> u8 {
        (i as u8).wrapping_mul(7).wrapping_add(seed) | 1
    }

    fn seg(vaddr: u32, filesz: u32, mem_size: u32, perms: Perms, seed: u8) -> Segment {
        Segment {
            vaddr,
            mem_size,
            data: (0..filesz as usize).map(|i| pattern(seed, i)).collect(),
            perms,
        }
    }

    fn image_of(segments: Vec<Segment>) -> ElfImage {
        ElfImage {
            entry: segments[0].vaddr,
            segments,
            phdr_vaddr: TEXT + 0x34,
            phent: 32,
            phnum: 3,
            uses_rvc: false,
        }
    }

    fn image() -> ElfImage {
        image_of(vec![
            seg(TEXT, 0x1234, 0x1234, RX, 0x10),
            seg(RODATA, 0x100, 0x100, R, 0x20),
            seg(DATA, DATA_FILESZ, 0x3000, RW, 0x30),
        ])
    }

    fn setup() -> (Process, Memory) {
        setup_with(DEFAULT_STACK_LIMIT, 64 << 20)
    }

    fn setup_with(stack: u32, ram: u64) -> (Process, Memory) {
        (Process::new(image(), stack), Memory::new(PhysMem::new(ram)))
    }

    /// Frames in use for data (page tables not counted).
    fn data_frames(mem: &Memory) -> u32 {
        mem.ram.frames_in_use() - mem.page_tables().unwrap().table_frames()
    }

    fn vma(start: u32, end: u64, perms: Perms, region: Region, backing: Backing) -> Vma {
        Vma {
            start,
            end,
            perms,
            region,
            backing,
        }
    }

    fn heap_vma(start: u32, end: u64) -> Vma {
        vma(start, end, RW, Region::Heap, Backing::Anonymous)
    }

    fn mmap_vma(start: u32, end: u64) -> Vma {
        vma(start, end, RW, Region::Mmap, Backing::Anonymous)
    }

    fn stack_vma(limit: u32) -> Vma {
        vma(
            limit,
            STACK_TOP as u64,
            RW,
            Region::Stack,
            Backing::Anonymous,
        )
    }

    fn mapped(mem: &Memory, vaddr: u32) -> bool {
        mem.user_frame(vaddr).is_some()
    }

    /// The bytes of the (mapped) page holding `vaddr`.
    fn page_bytes(mem: &Memory, vaddr: u32) -> Vec<u8> {
        let off = mem.user_frame(vaddr).expect("mapped").offset();
        mem.ram.bytes()[off..off + PAGE as usize].to_vec()
    }

    fn touch(p: &mut Process, mem: &mut Memory, vaddr: u32) -> Result<(), FaultCause> {
        p.handle_page_fault(mem, vaddr, AccessKind::Store)
    }

    const ANON_PRIVATE: u32 = mmap_abi::MAP_ANONYMOUS | mmap_abi::MAP_PRIVATE;
    const PROT_RW: u32 = mmap_abi::PROT_READ | mmap_abi::PROT_WRITE;

    fn mmap(p: &mut Process, len: u32) -> i32 {
        p.sys_mmap(0, len, PROT_RW, ANON_PRIVATE, u32::MAX)
    }

    // ---- Process::new ----

    #[test]
    fn new_splits_segments_into_page_aligned_vmas() {
        let (p, _) = setup();
        assert_eq!(
            p.vmas(),
            &[
                vma(TEXT, 0x12000, RX, Region::Text, Backing::Image),
                vma(0x12000, 0x13000, R, Region::Rodata, Backing::Image),
                vma(0x13000, 0x16000, RW, Region::Data, Backing::Image),
                vma(0x16000, 0x17000, RW, Region::Bss, Backing::Anonymous),
                stack_vma(STACK_LIMIT),
            ]
        );
        assert_eq!(p.brk(), BRK_START);
        assert_eq!(STACK_LIMIT, 0xBF7F_F000);
        assert_eq!(p.vma_at(0x11fff).map(|v| v.region), Some(Region::Text));
        assert_eq!(p.vma_at(0x16000).map(|v| v.region), Some(Region::Bss));
        assert_eq!(p.vma_at(0x17000), None);
        assert_eq!(
            p.vma_at(STACK_TOP - 1).map(|v| v.region),
            Some(Region::Stack)
        );
        assert_eq!(p.vma_at(STACK_TOP), None);
        assert_eq!(p.vma_at(STACK_LIMIT - 1), None);
    }

    #[test]
    fn data_and_bss_split_table() {
        // (vaddr, filesz, memsz) of a lone RW segment after a one-page text → its VMAs.
        type Want = &'static [(u32, u64, Region)];
        let cases: &[(u32, u32, u32, Want, u32)] = &[
            // File part ends on a page boundary: no shared page.
            (
                0x20000,
                0x1000,
                0x3000,
                &[
                    (0x20000, 0x21000, Region::Data),
                    (0x21000, 0x23000, Region::Bss),
                ],
                0x23000,
            ),
            // File part ends mid-page: that page is data (it holds file bytes).
            (
                0x20000,
                0x1001,
                0x1002,
                &[(0x20000, 0x22000, Region::Data)],
                0x22000,
            ),
            // No bss at all.
            (
                0x20800,
                0x10,
                0x10,
                &[(0x20000, 0x21000, Region::Data)],
                0x21000,
            ),
            // Pure bss segment, page-aligned.
            (
                0x20000,
                0,
                0x2000,
                &[(0x20000, 0x22000, Region::Bss)],
                0x22000,
            ),
            // Pure bss segment, not page-aligned: no file bytes, so no data page either.
            (
                0x20010,
                0,
                0x2000,
                &[(0x20000, 0x23000, Region::Bss)],
                0x23000,
            ),
            // bss ending exactly on a page boundary.
            (
                0x20f00,
                0x100,
                0x1100,
                &[
                    (0x20000, 0x21000, Region::Data),
                    (0x21000, 0x22000, Region::Bss),
                ],
                0x22000,
            ),
        ];
        for &(vaddr, filesz, memsz, want, brk) in cases {
            let img = image_of(vec![
                seg(TEXT, 8, 8, RX, 1),
                seg(vaddr, filesz, memsz, RW, 2),
            ]);
            let p = Process::new(img, DEFAULT_STACK_LIMIT);
            let got: Vec<(u32, u64, Region)> = p
                .vmas()
                .iter()
                .filter(|v| matches!(v.region, Region::Data | Region::Bss))
                .map(|v| (v.start, v.end, v.region))
                .collect();
            assert_eq!(
                got, want,
                "segment {vaddr:#x} filesz {filesz:#x} memsz {memsz:#x}"
            );
            assert_eq!(p.brk(), brk, "heap start for segment {vaddr:#x}");
            for v in p.vmas() {
                let backing = if v.region == Region::Bss {
                    Backing::Anonymous
                } else {
                    Backing::Image
                };
                if v.region != Region::Stack {
                    assert_eq!(v.backing, backing, "{v:?}");
                }
            }
        }
    }

    #[test]
    fn separate_bss_segment_sharing_the_last_data_page_is_trimmed() {
        // .data ends mid-page 0x20000; a separate RW bss segment starts in that page.
        let img = image_of(vec![
            seg(TEXT, 8, 8, RX, 1),
            seg(0x20000, 0x800, 0x800, RW, 2),
            seg(0x20800, 0, 0x1800, RW, 3),
        ]);
        let p = Process::new(img, DEFAULT_STACK_LIMIT);
        let got: Vec<(u32, u64, Region)> = p
            .vmas()
            .iter()
            .map(|v| (v.start, v.end, v.region))
            .collect();
        assert_eq!(
            got,
            [
                (TEXT, 0x11000, Region::Text),
                (0x20000, 0x21000, Region::Data),
                (0x21000, 0x22000, Region::Bss),
                (STACK_LIMIT, STACK_TOP as u64, Region::Stack),
            ]
        );
        assert_eq!(p.brk(), 0x22000);
    }

    #[test]
    fn stack_vma_follows_the_stack_size() {
        for size in [16 << 10, DEFAULT_STACK_LIMIT, 64 << 20] {
            let (p, _) = setup_with(size, 1 << 20);
            assert_eq!(p.vmas().last(), Some(&stack_vma(STACK_TOP - size)));
        }
    }

    // ---- classify_unmapped ----

    #[test]
    fn classify_unmapped_table() {
        let (p, _) = setup();
        let overflow = |addr: u32| FaultCause::StackOverflow {
            depth: STACK_TOP - addr,
        };
        let cases = [
            (0, FaultCause::NullPage),
            (4, FaultCause::NullPage),
            (NULL_PAGE_END - 1, FaultCause::NullPage),
            (NULL_PAGE_END, FaultCause::Unmapped),
            (0x5000_0000, FaultCause::Unmapped),
            (KERNEL_BASE, FaultCause::Kernel),
            (0xFFFF_FFFF, FaultCause::Kernel),
            // The page between the stack top and the kernel.
            (STACK_TOP, FaultCause::Unmapped),
            (KERNEL_BASE - 1, FaultCause::Unmapped),
            (STACK_LIMIT - 1, overflow(STACK_LIMIT - 1)),
            (STACK_LIMIT - 4096, overflow(STACK_LIMIT - 4096)),
            (GAP_BOTTOM, overflow(GAP_BOTTOM)),
            (GAP_BOTTOM - 1, FaultCause::Unmapped),
        ];
        for (addr, want) in cases {
            assert_eq!(p.classify_unmapped(addr), want, "{addr:#010x}");
        }
        assert_eq!(
            p.classify_unmapped(STACK_LIMIT - 1),
            FaultCause::StackOverflow {
                depth: DEFAULT_STACK_LIMIT + 1
            }
        );
        assert_eq!(
            FaultCause::StackOverflow { depth: 0x800001 }.describe(),
            "stack overflow: 8388609 bytes below the stack top"
        );
    }

    #[test]
    fn unmapped_faults_are_classified() {
        let (mut p, mut mem) = setup();
        for (addr, want) in [
            (0u32, FaultCause::NullPage),
            (KERNEL_BASE + 8, FaultCause::Kernel),
            (
                STACK_LIMIT - 8,
                FaultCause::StackOverflow {
                    depth: DEFAULT_STACK_LIMIT + 8,
                },
            ),
            (BRK_START, FaultCause::Unmapped),
        ] {
            for kind in [AccessKind::Load, AccessKind::Store, AccessKind::Fetch] {
                assert_eq!(p.handle_page_fault(&mut mem, addr, kind), Err(want));
            }
        }
        assert_eq!(data_frames(&mem), 0);
        assert_eq!(mem.resident_user_pages(), 0);
    }

    // ---- demand paging ----

    #[test]
    fn first_touch_maps_exactly_one_page_with_the_vma_permissions() {
        let cases = [
            (TEXT + 0x10, AccessKind::Fetch, RX, Region::Text),
            (0x12fff, AccessKind::Load, R, Region::Rodata),
            (0x13000, AccessKind::Store, RW, Region::Data),
            (0x16abc, AccessKind::Load, RW, Region::Bss),
            (STACK_TOP - 4, AccessKind::Store, RW, Region::Stack),
            (STACK_LIMIT, AccessKind::Load, RW, Region::Stack),
        ];
        for (addr, kind, perms, region) in cases {
            let (mut p, mut mem) = setup();
            assert_eq!(p.handle_page_fault(&mut mem, addr, kind), Ok(()));
            assert_eq!(mem.resident_user_pages(), 1, "{addr:#x}");
            assert_eq!(data_frames(&mem), 1);
            let pte = mem.user_pte(addr).unwrap();
            assert!(pte.user() && !pte.accessed() && !pte.dirty(), "{addr:#x}");
            assert_eq!(
                (pte.readable(), pte.writable(), pte.executable()),
                (perms.read, perms.write, perms.exec),
                "{addr:#x}"
            );
            assert_eq!(mem.page_region(addr), region);
            assert!(!mapped(&mem, page_floor(addr).wrapping_sub(1)));
            assert!(!mapped(&mem, page_floor(addr) + PAGE));
            let mut want = [0u64; Region::COUNT];
            want[region as usize] = 1;
            assert_eq!(p.paging.minor_faults, want, "{addr:#x}");
        }
    }

    #[test]
    fn image_pages_hold_the_segment_bytes_then_zeros() {
        let (mut p, mut mem) = setup();
        let img = image();
        for page in [
            TEXT,
            TEXT + PAGE,
            0x12000,
            0x13000,
            0x14000,
            0x15000,
            0x16000,
        ] {
            p.handle_page_fault(&mut mem, page, AccessKind::Load)
                .unwrap();
            let got = page_bytes(&mem, page);
            // Expected: each segment's file bytes at their addresses, zero elsewhere.
            let want: Vec<u8> = (page..page + PAGE)
                .map(|a| {
                    img.segments
                        .iter()
                        .find(|s| s.vaddr <= a && a < s.vaddr + s.data.len() as u32)
                        .map_or(0, |s| s.data[(a - s.vaddr) as usize])
                })
                .collect();
            assert_eq!(got, want, "page {page:#x}");
        }
        // Spot checks of the hand-computed boundaries.
        let text1 = page_bytes(&mem, TEXT + PAGE);
        assert_eq!(text1[0x233], pattern(0x10, 0x1233));
        assert_eq!(text1[0x234], 0);
        let data0 = page_bytes(&mem, 0x13000);
        assert!(data0[..0xf00].iter().all(|&b| b == 0));
        assert_eq!(data0[0xf00], pattern(0x30, 0));
        let data2 = page_bytes(&mem, 0x15000);
        assert_eq!(data2[0xff], pattern(0x30, 0x11ff));
        assert!(
            data2[0x100..].iter().all(|&b| b == 0),
            "bss part of the data page"
        );
        assert!(
            page_bytes(&mem, 0x16000).iter().all(|&b| b == 0),
            "bss page"
        );
        assert_eq!(p.paging.minor_faults[Region::Text as usize], 2);
        assert_eq!(p.paging.minor_faults[Region::Rodata as usize], 1);
        assert_eq!(p.paging.minor_faults[Region::Data as usize], 3);
        assert_eq!(p.paging.minor_faults[Region::Bss as usize], 1);
    }

    #[test]
    fn reused_frames_come_back_zeroed_for_anonymous_pages() {
        let (mut p, mut mem) = setup_with(DEFAULT_STACK_LIMIT, 64 << 10);
        let a = mmap(&mut p, PAGE) as u32;
        touch(&mut p, &mut mem, a).unwrap();
        let off = mem.user_frame(a).unwrap().offset();
        mem.ram.bytes_mut()[off..off + 16].fill(0xee);
        assert_eq!(p.sys_munmap(&mut mem, a, PAGE), 0);
        touch(&mut p, &mut mem, 0x16000).unwrap();
        assert!(page_bytes(&mem, 0x16000).iter().all(|&b| b == 0));
    }

    #[test]
    fn protection_faults_name_the_region_and_access() {
        let (mut p, mut mem) = setup();
        let ro = p.sys_mmap(0, PAGE, mmap_abi::PROT_READ, ANON_PRIVATE, u32::MAX) as u32;
        let none = p.sys_mmap(0, PAGE, 0, ANON_PRIVATE, u32::MAX) as u32;
        let prot = |region, kind| Err(FaultCause::Protection { region, kind });
        let cases = [
            (
                TEXT,
                AccessKind::Store,
                prot(Region::Text, AccessKind::Store),
            ),
            (
                0x12000,
                AccessKind::Store,
                prot(Region::Rodata, AccessKind::Store),
            ),
            (
                0x12000,
                AccessKind::Fetch,
                prot(Region::Rodata, AccessKind::Fetch),
            ),
            (
                0x13000,
                AccessKind::Fetch,
                prot(Region::Data, AccessKind::Fetch),
            ),
            (
                0x16000,
                AccessKind::Fetch,
                prot(Region::Bss, AccessKind::Fetch),
            ),
            (
                STACK_TOP - 4,
                AccessKind::Fetch,
                prot(Region::Stack, AccessKind::Fetch),
            ),
            (ro, AccessKind::Store, prot(Region::Mmap, AccessKind::Store)),
            (none, AccessKind::Load, prot(Region::Mmap, AccessKind::Load)),
            (ro, AccessKind::Load, Ok(())),
        ];
        for (addr, kind, want) in cases {
            assert_eq!(
                p.handle_page_fault(&mut mem, addr, kind),
                want,
                "{addr:#x} {kind:?}"
            );
        }
        assert_eq!(
            mem.resident_user_pages(),
            1,
            "only the allowed read mapped a page"
        );
        assert_eq!(
            FaultCause::Protection {
                region: Region::Text,
                kind: AccessKind::Store
            }
            .describe(),
            "text: not writable"
        );
        // Already mapped, yet faulting (the hart saw no permission): never loops.
        assert_eq!(
            p.handle_page_fault(&mut mem, ro, AccessKind::Load),
            prot(Region::Mmap, AccessKind::Load)
        );
    }

    #[test]
    fn out_of_frames_is_out_of_memory() {
        // Two frames for data, two for the page tables (the root and the stack's table).
        // The pages are stored to (dirty): without swap they cannot be evicted (a clean one
        // could be dropped and rebuilt by the next fault).
        let (mut p, mut mem) = setup_with(DEFAULT_STACK_LIMIT, 4 * PAGE as u64);
        for page in [STACK_TOP - 1, STACK_TOP - 1 - PAGE] {
            touch(&mut p, &mut mem, page).unwrap();
            mem.user_page_written(page);
        }
        assert_eq!(
            touch(&mut p, &mut mem, STACK_TOP - 1 - 2 * PAGE),
            Err(FaultCause::OutOfMemory)
        );
        assert_eq!(p.paging.minor_faults[Region::Stack as usize], 2);
        assert!(!mapped(&mem, STACK_TOP - 1 - 2 * PAGE));
    }

    // ---- brk ----

    #[test]
    fn brk_zero_returns_the_initial_break() {
        let (mut p, mut mem) = setup();
        assert_eq!(p.sys_brk(&mut mem, 0), BRK_START);
        assert_eq!(p.sys_brk(&mut mem, 0x1000), BRK_START, "below the start");
        assert_eq!(p.sys_brk(&mut mem, BRK_START - 1), BRK_START);
        assert_eq!(p.sys_brk(&mut mem, BRK_START), BRK_START);
        assert!(p.vmas().iter().all(|v| v.region != Region::Heap));
    }

    #[test]
    fn brk_grows_and_the_pages_can_be_touched() {
        let (mut p, mut mem) = setup();
        let new = BRK_START + (1 << 20);
        assert_eq!(p.sys_brk(&mut mem, new), new);
        assert_eq!(p.brk(), new);
        assert!(p.vmas().contains(&heap_vma(BRK_START, new as u64)));
        assert_eq!(data_frames(&mem), 0, "heap pages are lazy");
        for page in (BRK_START..new).step_by(PAGE as usize) {
            touch(&mut p, &mut mem, page + 8).unwrap();
        }
        assert_eq!(data_frames(&mem), 256);
        assert_eq!(p.paging.minor_faults[Region::Heap as usize], 256);
        assert_eq!(touch(&mut p, &mut mem, new), Err(FaultCause::Unmapped));
        // A request below the start leaves the break alone.
        assert_eq!(p.sys_brk(&mut mem, 0x10000), new);
        assert_eq!(data_frames(&mem), 256);
    }

    #[test]
    fn brk_shrink_unmaps_and_frees_the_pages_above() {
        let (mut p, mut mem) = setup();
        let big = BRK_START + (1 << 20);
        p.sys_brk(&mut mem, big);
        for page in (BRK_START..big).step_by(PAGE as usize) {
            touch(&mut p, &mut mem, page).unwrap();
        }
        let half = BRK_START + (1 << 19);
        assert_eq!(p.sys_brk(&mut mem, half), half);
        assert_eq!(data_frames(&mem), 128);
        assert!(mapped(&mem, half - 1));
        assert!(!mapped(&mem, half));
        assert!(!mapped(&mem, big - 1));
        assert_eq!(p.vma_at(half), None);
        assert_eq!(touch(&mut p, &mut mem, half), Err(FaultCause::Unmapped));
        // Back to the start: the heap VMA disappears, every frame is free again.
        assert_eq!(p.sys_brk(&mut mem, BRK_START), BRK_START);
        assert_eq!(data_frames(&mem), 0);
        assert!(p.vmas().iter().all(|v| v.region != Region::Heap));
        // And it can grow again, with zeroed pages.
        assert_eq!(p.sys_brk(&mut mem, big), big);
        touch(&mut p, &mut mem, BRK_START).unwrap();
        assert!(page_bytes(&mem, BRK_START).iter().all(|&b| b == 0));
    }

    #[test]
    fn brk_to_unaligned_addresses_rounds_pages() {
        let (mut p, mut mem) = setup();
        // (request, break returned, heap end, mapped pages after touching every heap page)
        let steps: &[(u32, u32, u64, u32)] = &[
            (BRK_START + 1, BRK_START + 1, 0x18000, 1),
            (BRK_START + 0x1001, BRK_START + 0x1001, 0x19000, 2),
            (BRK_START + 0x2000, BRK_START + 0x2000, 0x19000, 2),
            (BRK_START + 0x1fff, BRK_START + 0x1fff, 0x19000, 2),
            (BRK_START + 0x1000, BRK_START + 0x1000, 0x18000, 1),
            (BRK_START + 0xfff, BRK_START + 0xfff, 0x18000, 1),
        ];
        for &(req, ret, end, pages) in steps {
            assert_eq!(p.sys_brk(&mut mem, req), ret, "brk({req:#x})");
            assert_eq!(p.sys_brk(&mut mem, 0), ret);
            assert_eq!(
                p.vma_at(BRK_START).map(|v| v.end),
                Some(end),
                "brk({req:#x})"
            );
            for page in (BRK_START as u64..end).step_by(PAGE as usize) {
                touch(&mut p, &mut mem, page as u32).ok();
            }
            assert_eq!(data_frames(&mem), pages, "brk({req:#x})");
            assert_eq!(
                touch(&mut p, &mut mem, end as u32),
                Err(FaultCause::Unmapped)
            );
        }
    }

    #[test]
    fn brk_refuses_to_grow_into_a_mapping_or_the_stack_gap() {
        let (mut p, mut mem) = setup();
        // Up to the bottom of the guard gap is allowed (lazy, like Linux overcommit)...
        assert_eq!(p.sys_brk(&mut mem, GAP_BOTTOM + 1), BRK_START);
        assert_eq!(p.sys_brk(&mut mem, STACK_LIMIT), BRK_START);
        assert_eq!(p.sys_brk(&mut mem, 0xFFFF_FFFF), BRK_START);
        assert_eq!(p.sys_brk(&mut mem, GAP_BOTTOM), GAP_BOTTOM);
        assert_eq!(p.sys_brk(&mut mem, BRK_START), BRK_START);
        // ...but not past a mapping.
        let m = mmap(&mut p, 4 * PAGE) as u32;
        assert_eq!(m, GAP_BOTTOM - 4 * PAGE);
        assert_eq!(p.sys_brk(&mut mem, m + 1), BRK_START);
        assert_eq!(p.sys_brk(&mut mem, GAP_BOTTOM), BRK_START);
        assert_eq!(p.sys_brk(&mut mem, m), m, "right up to the mapping");
        assert_eq!(
            p.sys_brk(&mut mem, m + 1),
            m,
            "a failed grow returns the old break"
        );
        assert_eq!(p.vma_at(m).map(|v| v.region), Some(Region::Mmap));
        assert_eq!(p.vma_at(m - 1).map(|v| v.region), Some(Region::Heap));
    }

    #[test]
    fn brk_refuses_to_grow_into_a_low_mapping() {
        let (mut p, mut mem) = setup();
        // Fill the whole mmap area, then leave a hole right above the heap start.
        let all = GAP_BOTTOM - BRK_START;
        assert_eq!(mmap(&mut p, all) as u32, BRK_START);
        assert_eq!(mmap(&mut p, PAGE), -errno::ENOMEM);
        assert_eq!(p.sys_brk(&mut mem, BRK_START + 1), BRK_START);
        assert_eq!(p.sys_munmap(&mut mem, BRK_START, 2 * PAGE), 0);
        assert_eq!(
            p.sys_brk(&mut mem, BRK_START + 2 * PAGE),
            BRK_START + 2 * PAGE
        );
        assert_eq!(
            p.sys_brk(&mut mem, BRK_START + 2 * PAGE + 1),
            BRK_START + 2 * PAGE
        );
    }

    // ---- mmap / munmap ----

    #[test]
    fn mmap_places_page_rounded_mappings_top_down() {
        let (mut p, _) = setup();
        let a = mmap(&mut p, 1) as u32;
        assert_eq!(a, GAP_BOTTOM - PAGE);
        let b = mmap(&mut p, 0x2001) as u32;
        assert_eq!(b, a - 3 * PAGE);
        let c = mmap(&mut p, PAGE) as u32;
        assert_eq!(c, b - PAGE);
        // Adjacent mappings stay separate VMAs, none overlapping.
        let maps: Vec<Vma> = p
            .vmas()
            .iter()
            .copied()
            .filter(|v| v.region == Region::Mmap)
            .collect();
        assert_eq!(
            maps,
            [
                mmap_vma(c, b as u64),
                mmap_vma(b, a as u64),
                mmap_vma(a, GAP_BOTTOM as u64)
            ]
        );
        for w in p.vmas().windows(2) {
            assert!(
                w[0].end <= w[1].start as u64,
                "{:?} overlaps {:?}",
                w[0],
                w[1]
            );
        }
        // Protections become the VMA's permissions.
        let x = p.sys_mmap(0, 1, 7, ANON_PRIVATE, u32::MAX) as u32;
        assert_eq!(
            p.vma_at(x).unwrap().perms,
            Perms {
                read: true,
                write: true,
                exec: true
            }
        );
    }

    #[test]
    fn mmap_rejects_what_it_does_not_implement() {
        use mmap_abi::*;
        let (mut p, _) = setup();
        let before = p.vmas().to_vec();
        let einval = -errno::EINVAL;
        let cases = [
            (0, ANON_PRIVATE, einval),
            (PAGE, MAP_PRIVATE, einval),
            (PAGE, MAP_ANONYMOUS, einval),
            (PAGE, MAP_SHARED | MAP_ANONYMOUS, einval),
            (PAGE, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, einval),
            (PAGE, MAP_FIXED | ANON_PRIVATE, einval),
            (0xFFFF_FFFF, ANON_PRIVATE, -errno::ENOMEM),
            (0xC000_0000, ANON_PRIVATE, -errno::ENOMEM),
            (GAP_BOTTOM - BRK_START + 1, ANON_PRIVATE, -errno::ENOMEM),
        ];
        for (len, flags, want) in cases {
            assert_eq!(
                p.sys_mmap(0, len, PROT_RW, flags, u32::MAX),
                want,
                "len {len:#x} flags {flags:#x}"
            );
        }
        assert_eq!(p.vmas(), &before[..], "failures change nothing");
    }

    #[test]
    fn mmap_fills_the_space_then_fails_with_enomem() {
        let (mut p, mut mem) = setup();
        p.sys_brk(&mut mem, BRK_START + 0x1800);
        // The heap ends at 0x19000 (page-rounded break): the space above it is free.
        let free = GAP_BOTTOM - 0x19000;
        assert_eq!(mmap(&mut p, free - PAGE) as u32, 0x1a000);
        assert_eq!(mmap(&mut p, 2 * PAGE), -errno::ENOMEM);
        assert_eq!(mmap(&mut p, PAGE) as u32, 0x19000);
        assert_eq!(mmap(&mut p, 1), -errno::ENOMEM);
    }

    #[test]
    fn munmap_splits_a_mapping_and_frees_only_those_pages() {
        let (mut p, mut mem) = setup();
        let a = mmap(&mut p, 4 * PAGE) as u32;
        for i in 0..4 {
            touch(&mut p, &mut mem, a + i * PAGE).unwrap();
        }
        assert_eq!(data_frames(&mem), 4);
        assert_eq!(p.paging.minor_faults[Region::Mmap as usize], 4);
        assert_eq!(p.sys_munmap(&mut mem, a + PAGE, 2 * PAGE), 0);
        let maps: Vec<Vma> = p
            .vmas()
            .iter()
            .copied()
            .filter(|v| v.region == Region::Mmap)
            .collect();
        assert_eq!(
            maps,
            [
                mmap_vma(a, (a + PAGE) as u64),
                mmap_vma(a + 3 * PAGE, (a + 4 * PAGE) as u64)
            ]
        );
        assert_eq!(data_frames(&mem), 2);
        let resident: Vec<bool> = (0..4).map(|i| mapped(&mem, a + i * PAGE)).collect();
        assert_eq!(resident, [true, false, false, true]);
        assert_eq!(touch(&mut p, &mut mem, a + PAGE), Err(FaultCause::Unmapped));
        // A length that is not a page multiple is rounded up; unmapping holes is fine.
        assert_eq!(p.sys_munmap(&mut mem, a, 1), 0);
        assert_eq!(p.sys_munmap(&mut mem, a, 1), 0);
        assert_eq!(data_frames(&mem), 1);
        assert_eq!(p.sys_munmap(&mut mem, a, 4 * PAGE), 0);
        assert_eq!(data_frames(&mem), 0);
        assert!(p.vmas().iter().all(|v| v.region != Region::Mmap));
    }

    #[test]
    fn munmap_spanning_several_mappings() {
        let (mut p, mut mem) = setup();
        let a = mmap(&mut p, 2 * PAGE) as u32;
        let b = mmap(&mut p, 2 * PAGE) as u32;
        assert_eq!(b, a - 2 * PAGE);
        for page in (b..a + 2 * PAGE).step_by(PAGE as usize) {
            touch(&mut p, &mut mem, page).unwrap();
        }
        // The last page of b and the first page of a.
        assert_eq!(p.sys_munmap(&mut mem, b + PAGE, 2 * PAGE), 0);
        let maps: Vec<(u32, u64)> = p
            .vmas()
            .iter()
            .filter(|v| v.region == Region::Mmap)
            .map(|v| (v.start, v.end))
            .collect();
        assert_eq!(
            maps,
            [(b, (b + PAGE) as u64), (a + PAGE, (a + 2 * PAGE) as u64)]
        );
        assert_eq!(data_frames(&mem), 2);
    }

    #[test]
    fn munmap_argument_errors() {
        let (mut p, mut mem) = setup();
        let a = mmap(&mut p, 2 * PAGE) as u32;
        touch(&mut p, &mut mem, a).unwrap();
        for (addr, len) in [(a + 1, PAGE), (a + 0x800, PAGE), (a, 0)] {
            assert_eq!(
                p.sys_munmap(&mut mem, addr, len),
                -errno::EINVAL,
                "{addr:#x}+{len:#x}"
            );
        }
        assert_eq!(data_frames(&mem), 1);
        assert_eq!(p.vma_at(a).map(|v| v.end), Some((a + 2 * PAGE) as u64));
        // Huge lengths do not overflow.
        assert_eq!(p.sys_munmap(&mut mem, 0xFFFF_F000, 0xFFFF_FFFF), 0);
        assert_eq!(data_frames(&mem), 1);
    }

    #[test]
    fn munmap_leaves_other_regions_alone() {
        let (mut p, mut mem) = setup();
        p.sys_brk(&mut mem, BRK_START + PAGE);
        touch(&mut p, &mut mem, BRK_START).unwrap();
        touch(&mut p, &mut mem, 0x13000).unwrap();
        let before = p.vmas().to_vec();
        assert_eq!(p.sys_munmap(&mut mem, TEXT, 0x10_0000), 0);
        assert_eq!(p.vmas(), &before[..]);
        assert_eq!(data_frames(&mem), 2);
    }

    #[test]
    fn munmap_gaps_are_reused_first_fit_from_the_top() {
        let (mut p, mut mem) = setup();
        let a = mmap(&mut p, 4 * PAGE) as u32;
        assert_eq!(a, GAP_BOTTOM - 4 * PAGE);
        assert_eq!(p.sys_munmap(&mut mem, a + PAGE, 2 * PAGE), 0);
        // The hole [a+1p, a+3p) takes a one-page mapping at its top...
        assert_eq!(mmap(&mut p, PAGE) as u32, a + 2 * PAGE);
        // ...the rest of the hole is too small for two pages: they go below `a`.
        assert_eq!(mmap(&mut p, 2 * PAGE) as u32, a - 2 * PAGE);
        // One page still fits in the hole.
        assert_eq!(mmap(&mut p, PAGE) as u32, a + PAGE);
        assert_eq!(mmap(&mut p, PAGE) as u32, a - 3 * PAGE);
        // Unmapping the topmost page makes it the first fit again.
        assert_eq!(p.sys_munmap(&mut mem, a + 3 * PAGE, PAGE), 0);
        assert_eq!(mmap(&mut p, PAGE) as u32, a + 3 * PAGE);
    }

    // ---- initial stack ----

    fn read_u32(ua: &mut KernelAccess, addr: u32) -> u32 {
        let mut b = [0u8; 4];
        ua.copy_from_user(addr, &mut b).unwrap();
        u32::from_le_bytes(b)
    }

    fn read_str(ua: &mut KernelAccess, addr: u32) -> Vec<u8> {
        ua.read_c_string(addr, 1 << 16).unwrap().unwrap()
    }

    #[test]
    fn initial_stack_has_the_linux_layout() {
        let (mut p, mut mem) = setup();
        let argv: Vec<Vec<u8>> = vec![b"/bin/prog".to_vec(), b"two words".to_vec(), b"".to_vec()];
        let envp: Vec<Vec<u8>> = vec![b"K=V".to_vec(), b"EMPTY=".to_vec()];
        let sp = p.build_initial_stack(&mut mem, &argv, &envp).unwrap();
        assert_eq!(sp % 16, 0);
        assert!(
            (STACK_TOP - PAGE..STACK_TOP).contains(&sp),
            "small stack fits in one page"
        );
        let mut ua = KernelAccess {
            process: &mut p,
            mem: &mut mem,
        };
        let mut at = sp;
        let mut next = |ua: &mut KernelAccess| {
            let w = read_u32(ua, at);
            at += 4;
            w
        };
        assert_eq!(next(&mut ua), 3, "argc");
        for want in &argv {
            let ptr = next(&mut ua);
            assert!(ptr > sp && ptr < STACK_TOP);
            assert_eq!(&read_str(&mut ua, ptr), want);
        }
        assert_eq!(next(&mut ua), 0, "argv NULL");
        for want in &envp {
            let ptr = next(&mut ua);
            assert!(ptr > sp && ptr < STACK_TOP);
            assert_eq!(&read_str(&mut ua, ptr), want);
        }
        assert_eq!(next(&mut ua), 0, "envp NULL");
        let mut auxv = Vec::new();
        loop {
            let (k, v) = (next(&mut ua), next(&mut ua));
            auxv.push((k, v));
            if k == 0 {
                break;
            }
            assert!(auxv.len() < 32, "auxv has no AT_NULL");
        }
        let get = |key: u32| auxv.iter().find(|&&(k, _)| k == key).map(|&(_, v)| v);
        assert_eq!(get(6), Some(4096), "AT_PAGESZ");
        assert_eq!(get(9), Some(TEXT), "AT_ENTRY");
        assert_eq!(get(3), Some(TEXT + 0x34), "AT_PHDR");
        assert_eq!(get(4), Some(32), "AT_PHENT");
        assert_eq!(get(5), Some(3), "AT_PHNUM");
        assert_eq!(auxv.last(), Some(&(0, 0)), "AT_NULL");
        let random = get(25).expect("AT_RANDOM");
        assert!(random >= at && random + 16 <= STACK_TOP);
        let mut bytes = [0u8; 16];
        ua.copy_from_user(random, &mut bytes).unwrap();
        assert_eq!(&bytes, b"rvscope-at-rand!");
        // The strings are above the vectors and do not overlap the random bytes.
        assert!(get(25).unwrap() + 16 <= read_u32(&mut ua, sp + 4));
        assert_eq!(ua.process.paging.minor_faults[Region::Stack as usize], 1);
    }

    #[test]
    fn initial_stack_without_arguments_or_environment() {
        let (mut p, mut mem) = setup();
        let sp = p.build_initial_stack(&mut mem, &[], &[]).unwrap();
        assert_eq!(sp % 16, 0);
        let mut ua = KernelAccess {
            process: &mut p,
            mem: &mut mem,
        };
        let words: Vec<u32> = (0..4).map(|i| read_u32(&mut ua, sp + 4 * i)).collect();
        assert_eq!(words, [0, 0, 0, 3], "argc, argv NULL, envp NULL, AT_PHDR");
    }

    #[test]
    fn initial_stack_strings_spanning_pages() {
        let (mut p, mut mem) = setup();
        let long = vec![b'x'; 10_000];
        let argv = vec![b"p".to_vec(), long.clone()];
        let sp = p.build_initial_stack(&mut mem, &argv, &[]).unwrap();
        assert_eq!(sp % 16, 0);
        let mut ua = KernelAccess {
            process: &mut p,
            mem: &mut mem,
        };
        let ptr = read_u32(&mut ua, sp + 8);
        assert_eq!(read_str(&mut ua, ptr), long);
        assert_eq!(ua.process.paging.minor_faults[Region::Stack as usize], 3);
    }

    #[test]
    fn initial_stack_that_does_not_fit_fails_cleanly() {
        let overflow = |size: u32| Err(FaultCause::StackOverflow { depth: size });
        // One argument bigger than the whole stack.
        let (mut p, mut mem) = setup();
        let huge = vec![vec![b'a'; DEFAULT_STACK_LIMIT as usize + 1]];
        assert_eq!(
            p.build_initial_stack(&mut mem, &huge, &[]),
            overflow(DEFAULT_STACK_LIMIT)
        );
        // Many small ones.
        let (mut p, mut mem) = setup_with(16 << 10, 1 << 20);
        let many = vec![b"abcdefghijklmnop".to_vec(); 2000];
        assert_eq!(
            p.build_initial_stack(&mut mem, &many, &[]),
            overflow(16 << 10)
        );
        // The strings fit but the pointer vectors do not.
        let (mut p, mut mem) = setup_with(16 << 10, 1 << 20);
        let empties = vec![Vec::new(); 3500];
        assert_eq!(
            p.build_initial_stack(&mut mem, &empties, &[]),
            overflow(16 << 10)
        );
        // The environment counts too.
        let (mut p, mut mem) = setup_with(16 << 10, 1 << 20);
        let env = vec![vec![b'e'; 20 << 10]];
        assert_eq!(
            p.build_initial_stack(&mut mem, &[b"p".to_vec()], &env),
            overflow(16 << 10)
        );
        // Exactly filling a small stack still works.
        let (mut p, mut mem) = setup_with(16 << 10, 1 << 20);
        let fits = vec![vec![b'f'; 12 << 10]];
        let sp = p.build_initial_stack(&mut mem, &fits, &[]).unwrap();
        assert!(sp >= STACK_TOP - (16 << 10));
        // RAM too small for the strings: out of memory, not a panic.
        let (mut p, mut mem) = setup_with(DEFAULT_STACK_LIMIT, 4 * PAGE as u64);
        let big = vec![vec![b'b'; 6 * PAGE as usize]];
        assert_eq!(
            p.build_initial_stack(&mut mem, &big, &[]),
            Err(FaultCause::OutOfMemory)
        );
    }

    // ---- KernelAccess ----

    #[test]
    fn copy_to_user_faults_in_valid_pages() {
        let (mut p, mut mem) = setup();
        let mut ua = KernelAccess {
            process: &mut p,
            mem: &mut mem,
        };
        let addr = STACK_TOP - 2 * PAGE - 3;
        ua.copy_to_user(addr, b"abcdefgh").unwrap();
        let mut back = [0u8; 8];
        ua.copy_from_user(addr, &mut back).unwrap();
        assert_eq!(&back, b"abcdefgh");
        assert_eq!(ua.process.paging.minor_faults[Region::Stack as usize], 2);
        assert!(mapped(ua.mem, STACK_TOP - 3 * PAGE));
        assert!(mapped(ua.mem, STACK_TOP - 2 * PAGE));
        assert!(!mapped(ua.mem, STACK_TOP - PAGE));
        // bss and data work the same way; data keeps its image bytes around the write.
        ua.copy_to_user(0x16ff0, &[9; 16]).unwrap();
        ua.copy_to_user(DATA + 1, &[0]).unwrap();
        let mut d = [0u8; 3];
        ua.copy_from_user(DATA, &mut d).unwrap();
        assert_eq!(d, [pattern(0x30, 0), 0, pattern(0x30, 2)]);
        // Zero-length copies touch nothing, wherever they point.
        ua.copy_to_user(0, &[]).unwrap();
        ua.copy_from_user(KERNEL_BASE, &mut []).unwrap();
    }

    #[test]
    fn kernel_access_refuses_bad_user_addresses() {
        let (mut p, mut mem) = setup();
        let ro = p.sys_mmap(0, PAGE, mmap_abi::PROT_READ, ANON_PRIVATE, u32::MAX) as u32;
        let mut ua = KernelAccess {
            process: &mut p,
            mem: &mut mem,
        };
        let mut buf = [0u8; 8];
        // Writes.
        for addr in [
            0u32,
            0x100,
            TEXT,
            0x12100,
            ro,
            BRK_START,
            STACK_LIMIT - 8,
            KERNEL_BASE,
        ] {
            assert_eq!(
                ua.copy_to_user(addr, &buf),
                Err(BadUserAddr(addr)),
                "{addr:#x}"
            );
        }
        // Reads.
        for addr in [0u32, 0xfff8, BRK_START, STACK_TOP, KERNEL_BASE, 0xFFFF_FFF8] {
            assert_eq!(
                ua.copy_from_user(addr, &mut buf),
                Err(BadUserAddr(addr)),
                "{addr:#x}"
            );
        }
        assert_eq!(ua.mem.resident_user_pages(), 0, "nothing was faulted in");
        // Readable but not writable text can be read.
        ua.copy_from_user(TEXT, &mut buf).unwrap();
        assert_eq!(buf[1], pattern(0x10, 1));
        // Running off the end of a region fails at the first bad page.
        assert_eq!(
            ua.copy_to_user(BRK_START - 4, &[1; 8]),
            Err(BadUserAddr(BRK_START))
        );
        assert_eq!(
            ua.copy_from_user(STACK_TOP - 4, &mut buf),
            Err(BadUserAddr(STACK_TOP))
        );
        // Wrapping around the top of the address space is an error, not a panic.
        assert!(ua.copy_from_user(0xFFFF_FFFF, &mut buf).is_err());
    }

    #[test]
    fn copy_to_user_marks_decoded_code_stale() {
        let (mut p, mut mem) = setup();
        let rwx = p.sys_mmap(0, PAGE, 7, ANON_PRIVATE, u32::MAX) as u32;
        p.handle_page_fault(&mut mem, rwx, AccessKind::Fetch)
            .unwrap();
        let _ = mem.take_stale_code();
        let entry = mem.fetch_entry(rwx).unwrap();
        mem.mark_code_frame(entry);
        let mut ua = KernelAccess {
            process: &mut p,
            mem: &mut mem,
        };
        ua.copy_to_user(rwx + 8, &[0x13, 0, 0, 0]).unwrap();
        assert!(mem.has_stale_code());
        let (frames, all) = mem.take_stale_code();
        assert_eq!(frames, [mem.user_frame(rwx).unwrap()]);
        assert!(!all);
        assert_eq!(mem.map.entry(rwx) & crate::mmu::pagemap::DECODED, 0);
        assert!(
            mem.user_pte(rwx).unwrap().dirty(),
            "the kernel's write dirtied the page"
        );
    }
}
