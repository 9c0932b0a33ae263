//! `--show-maps`: the process's regions as `/proc/PID/maps` lists them, with what the page
//! tables say about each (DESIGN.md §12, the OS student's journey).
//!
//! The per-region figures come from the leaf PTEs in simulated RAM — V for resident, D for dirty
//! — and the pages the pager moved to swap (not-present PTEs naming a slot),
//! read the way the kernel reads its own tables ([`PageTables::user_leaves`]): no walk, no
//! A/D update, no modelled TLB or cache access, so showing the map never changes a statistic.
//!
//! [`PageTables::user_leaves`]: crate::os::pagetable::PageTables::user_leaves

use std::fmt::Write as _;

use crate::mem::access::Memory;
use crate::mem::phys::PAGE_SIZE;
use crate::mmu::pagemap::Perms;
use crate::os::layout::{Region, KERNEL_BASE};
use crate::os::process::Process;

/// Bytes in a KiB, for the totals.
const KIB: u64 = 1024;
/// Bytes one kernel megapage maps.
const MEGAPAGE_BYTES: u64 = 4 << 20;

/// One user region (a VMA) and its pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapRegion {
    /// First address.
    pub start: u32,
    /// One past the last address.
    pub end: u64,
    /// What the program may do there.
    pub perms: Perms,
    /// Which part of the layout it is.
    pub region: Region,
    /// Pages the region spans.
    pub pages: u64,
    /// Pages with a valid leaf PTE.
    pub resident: u32,
    /// Resident pages whose PTE has D set (stored to, by the program or by a system call).
    pub dirty: u32,
    /// Pages in swap (evicted by the pager; a fault brings them back).
    pub swapped: u32,
}

/// The process's address space at one moment, as `--show-maps` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Maps {
    /// The user regions in address order.
    pub regions: Vec<MapRegion>,
    /// The program break (the heap region ends at the page holding it).
    pub brk: u32,
    /// Megapages of the kernel's supervisor-only linear map of RAM.
    pub kernel_megapages: u32,
    /// User pages with a valid leaf PTE (all regions).
    pub resident_pages: u32,
    /// User pages in swap (all regions).
    pub swapped_pages: u32,
    /// Frames holding page tables (root and level-0 tables).
    pub page_table_frames: u32,
    /// RAM frames allocated (resident pages plus page tables).
    pub frames_in_use: u32,
    /// RAM frames in all.
    pub ram_frames: u32,
}

impl Maps {
    /// Reads the regions of `process` and their PTEs from `mem`, changing nothing.
    pub fn collect(process: &Process, mem: &Memory) -> Maps {
        let tables = mem.page_tables();
        let regions = process
            .vmas()
            .iter()
            .map(|v| {
                let (mut resident, mut dirty, mut swapped) = (0, 0, 0);
                if let Some(t) = tables {
                    for (_, pte) in t.user_leaves(&mem.ram, v.start, v.end) {
                        resident += 1;
                        dirty += u32::from(pte.dirty());
                    }
                    swapped = t.swapped_pages(&mem.ram, v.start, v.end);
                }
                MapRegion {
                    start: v.start,
                    end: v.end,
                    perms: v.perms,
                    region: v.region,
                    pages: (v.end - u64::from(v.start)) / u64::from(PAGE_SIZE),
                    resident,
                    dirty,
                    swapped,
                }
            })
            .collect::<Vec<MapRegion>>();
        Maps {
            swapped_pages: regions.iter().map(|r| r.swapped).sum(),
            regions,
            brk: process.brk(),
            kernel_megapages: tables.map_or(0, |t| t.kernel_megapages(&mem.ram)),
            resident_pages: mem.resident_user_pages(),
            page_table_frames: tables.map_or(0, |t| t.table_frames()),
            frames_in_use: mem.ram.frames_in_use(),
            ram_frames: mem.ram.frame_count(),
        }
    }

    /// The table `--show-maps` prints: a header, one line per region in address order (first
    /// and last address, both inclusive, so the kernel's range fits 32 bits), the kernel range,
    /// then the totals.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "== rvscope memory map at exit (4 KiB pages) ==");
        let _ = writeln!(
            s,
            "{:<17}  {:<5}  {:<6}  {:>17}  {:>5}  {:>7}",
            "first    -last", "perms", "region", "resident/total", "dirty", "swapped"
        );
        for r in &self.regions {
            let note = if r.region == Region::Heap {
                format!("  brk {:#010x}", self.brk)
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "{:08x}-{:08x}  {:<5}  {:<6}  {:>8}/{:<8}  {:>5}  {:>7}{note}",
                r.start,
                r.end - 1,
                perms_text(r.perms, 'p'),
                r.region.name(),
                r.resident,
                r.pages,
                r.dirty,
                r.swapped,
            );
        }
        let kernel_perms = Perms {
            read: true,
            write: true,
            exec: false,
        };
        let _ = writeln!(
            s,
            "{:08x}-{:08x}  {:<5}  {:<6}  supervisor-only linear map of RAM: {} megapages ({} MiB)",
            KERNEL_BASE,
            u32::MAX,
            perms_text(kernel_perms, 's'),
            Region::Kernel.name(),
            self.kernel_megapages,
            u64::from(self.kernel_megapages) * MEGAPAGE_BYTES / (KIB * KIB),
        );
        let kib = |frames: u32| u64::from(frames) * u64::from(PAGE_SIZE) / KIB;
        let _ = writeln!(
            s,
            "resident pages     {:>8}  ({} KiB)",
            self.resident_pages,
            kib(self.resident_pages)
        );
        let _ = writeln!(
            s,
            "pages in swap      {:>8}  ({} KiB)",
            self.swapped_pages,
            kib(self.swapped_pages)
        );
        let _ = writeln!(
            s,
            "page-table frames  {:>8}  (root + {} level-0)",
            self.page_table_frames,
            self.page_table_frames.saturating_sub(1)
        );
        let _ = writeln!(
            s,
            "frames in use      {:>8}  of {} ({} KiB of {} KiB RAM)",
            self.frames_in_use,
            self.ram_frames,
            kib(self.frames_in_use),
            kib(self.ram_frames)
        );
        s
    }
}

/// `r-xp` style permissions; the last letter is `p` for a private user mapping, `s` for the
/// supervisor-only kernel range.
fn perms_text(p: Perms, last: char) -> String {
    let flag = |on: bool, c: char| if on { c } else { '-' };
    [
        flag(p.read, 'r'),
        flag(p.write, 'w'),
        flag(p.exec, 'x'),
        last,
    ]
    .iter()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RW: Perms = Perms::RW;

    #[test]
    fn the_text_has_aligned_columns_and_totals() {
        let maps = Maps {
            regions: vec![
                MapRegion {
                    start: 0x1_0000,
                    end: 0x1_4000,
                    perms: Perms {
                        read: true,
                        write: false,
                        exec: true,
                    },
                    region: Region::Text,
                    pages: 4,
                    resident: 3,
                    dirty: 0,
                    swapped: 0,
                },
                MapRegion {
                    start: 0x2_0000,
                    end: 0x2_2000,
                    perms: RW,
                    region: Region::Heap,
                    pages: 2,
                    resident: 1,
                    dirty: 1,
                    swapped: 1,
                },
            ],
            brk: 0x2_1800,
            kernel_megapages: 4,
            resident_pages: 4,
            swapped_pages: 1,
            page_table_frames: 2,
            frames_in_use: 6,
            ram_frames: 4096,
        };
        let want = "\
== rvscope memory map at exit (4 KiB pages) ==
first    -last     perms  region     resident/total  dirty  swapped
00010000-00013fff  r-xp   text           3/4             0        0
00020000-00021fff  rw-p   heap           1/2             1        1  brk 0x00021800
c0000000-ffffffff  rw-s   kernel  supervisor-only linear map of RAM: 4 megapages (16 MiB)
resident pages            4  (16 KiB)
pages in swap             1  (4 KiB)
page-table frames         2  (root + 1 level-0)
frames in use             6  of 4096 (24 KiB of 16384 KiB RAM)
";
        assert_eq!(maps.to_text(), want);
    }
}
