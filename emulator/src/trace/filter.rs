//! Which events a trace keeps (`--trace-from/--trace-to`, `--trace-kind`, `--trace-region`,
//! `--trace-regs`).

use crate::os::layout::Region;
use crate::trace::event::{AccessKind, Event};

/// A trace's filter. The default keeps every access and process event, and no retirements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Filter {
    /// First instruction number traced (instructions retired before it).
    pub from: u64,
    /// Instruction number where tracing stops (exclusive; `u64::MAX` for none).
    pub to: u64,
    /// Access kinds kept, one bit per [`AccessKind`] index.
    pub kinds: u8,
    /// Regions kept, one bit per [`Region`] index; accesses to unmapped pages are kept only
    /// when every region is.
    pub regions: u8,
    /// Keep instruction retirements (with their register writes).
    pub retires: bool,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            from: 0,
            to: u64::MAX,
            kinds: u8::MAX,
            regions: u8::MAX,
            retires: false,
        }
    }
}

impl Filter {
    /// Keeps only the kinds in `list` (comma-separated names, e.g. `load,store`).
    pub fn with_kinds(mut self, list: &str) -> Result<Filter, String> {
        self.kinds = 0;
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let k = AccessKind::from_name(name).ok_or_else(|| {
                format!("unknown access kind '{name}' (fetch, load, store, amo, ptw, kernel)")
            })?;
            self.kinds |= 1 << k as u8;
        }
        Ok(self)
    }

    /// Keeps only the regions in `list` (comma-separated names, e.g. `heap,stack`).
    pub fn with_regions(mut self, list: &str) -> Result<Filter, String> {
        self.regions = 0;
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let r = Region::ALL
                .into_iter()
                .find(|r| r.name() == name)
                .ok_or_else(|| {
                    format!(
                        "unknown region '{name}' (text, rodata, data, bss, heap, mmap, stack, kernel)"
                    )
                })?;
            self.regions |= 1 << r as u8;
        }
        Ok(self)
    }

    /// True if instruction number `insn` is inside the window.
    pub fn in_window(&self, insn: u64) -> bool {
        (self.from..self.to).contains(&insn)
    }

    /// True if the trace keeps `event`.
    pub fn keeps(&self, event: &Event) -> bool {
        match event {
            Event::Access(a) => {
                self.in_window(a.insn)
                    && self.kinds & (1 << a.kind as u8) != 0
                    && match a.region {
                        Some(r) => self.regions & (1 << r as u8) != 0,
                        None => self.regions == u8::MAX,
                    }
            }
            Event::Retire(r) => self.retires && self.in_window(r.insn),
            Event::Page(p) => self.in_window(p.insn),
            Event::Process(_) => true,
        }
    }
}
