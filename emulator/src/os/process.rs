//! The user process: its regions (VMAs), initial stack, `brk` heap and `mmap` area, and the
//! page-fault handler that maps pages on first touch (demand paging, DESIGN.md §2).

use crate::hart::trap::AccessKind;
use crate::mem::access::Memory;
use crate::mem::phys::PAGE_SIZE;
use crate::mmu::pagemap::{entry_ram_offset, Perms, VALID};
use crate::os::layout::{
    page_ceil, page_floor, Region, KERNEL_BASE, NULL_PAGE_END, STACK_GUARD_GAP, STACK_TOP,
};
use crate::os::loader::{ElfImage, Segment};
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
}

impl Process {
    /// Builds the address space of `image` with a stack of `stack_size` bytes (not yet touched).
    pub fn new(image: ElfImage, stack_size: u32) -> Self {
        let mut vmas = Vec::new();
        for seg in &image.segments {
            let start = page_floor(seg.vaddr);
            let file_end = page_ceil(seg.vaddr as u64 + seg.data.len() as u64);
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
        if mem.map.entry(vaddr) & VALID != 0 {
            // Mapped and allowed, yet it faulted: cannot happen with this page map (permissions
            // are the VMA's). Treat as a protection fault rather than loop forever.
            return Err(FaultCause::Protection {
                region: vma.region,
                kind,
            });
        }
        self.map_page(mem, vaddr, &vma)
    }

    /// Allocates, fills and maps the page holding `vaddr` in `vma`.
    fn map_page(&mut self, mem: &mut Memory, vaddr: u32, vma: &Vma) -> Result<(), FaultCause> {
        let page = page_floor(vaddr);
        let frame = mem.ram.alloc_zeroed().ok_or(FaultCause::OutOfMemory)?;
        if vma.backing == Backing::Image {
            let bytes = mem.ram.frame_mut(frame);
            for seg in &self.image.segments {
                copy_segment_part(seg, page, bytes);
            }
        }
        mem.map.map(page, frame, vma.perms, vma.region);
        self.paging.minor_faults[vma.region as usize] += 1;
        Ok(())
    }

    /// Unmaps every page in `[start, end)` and frees the frames.
    fn unmap_range(mem: &mut Memory, start: u32, end: u64) {
        let mut page = start as u64;
        while page < end {
            if let Some(frame) = mem.map.unmap(page as u32) {
                mem.frame_released(frame);
                mem.ram.free(frame);
            }
            page += PAGE_SIZE as u64;
        }
    }

    // ---- brk ----

    /// `brk(addr)` with Linux semantics: returns the new break, or the old one if the request is
    /// refused (below the heap start, colliding with a mapping, or out of memory).
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
            if collides {
                return self.brk;
            }
        } else if new_end < old_end {
            Self::unmap_range(mem, new_end as u32, old_end);
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
        if top < len || top - len < floor {
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
            Self::unmap_range(mem, cut_start, v.end.min(end));
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
        if self.mem.map.entry(vaddr) & VALID == 0 {
            self.process
                .map_page(self.mem, vaddr, &vma)
                .map_err(|_| BadUserAddr(vaddr))?;
        }
        Ok(entry_ram_offset(self.mem.map.entry(vaddr), vaddr))
    }
}

impl UserMemory for KernelAccess<'_> {
    fn copy_from_user(&mut self, vaddr: u32, buf: &mut [u8]) -> Result<(), BadUserAddr> {
        let mut done = 0usize;
        while done < buf.len() {
            let addr = vaddr.checked_add(done as u32).ok_or(BadUserAddr(vaddr))?;
            let chunk = ((PAGE_SIZE - (addr & (PAGE_SIZE - 1))) as usize).min(buf.len() - done);
            let off = self.ram_offset(addr, AccessKind::Load)?;
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
            self.mem.code_written(addr);
            self.mem.ram.bytes_mut()[off..off + chunk].copy_from_slice(&data[done..done + chunk]);
            done += chunk;
        }
        Ok(())
    }
}
