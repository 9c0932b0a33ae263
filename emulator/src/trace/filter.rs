//! Which events a trace keeps (`--trace-from/--trace-to`, `--trace-kind`, `--trace-region`,
//! `--trace-regs`, `--trace-pc`, `--trace-function`, `--trace-sample`, `--trace-start` and the
//! program's `rvscope_trace_on/off()` requests). All conditions combine with AND.
//!
//! Sampling keeps every Nth access event that passes the other conditions (the 1st, the
//! N+1th …), counting from the start of the run: deterministic, the same accesses every run.
//! Page, process and client events are never sampled away.

use crate::os::layout::Region;
use crate::trace::event::{AccessKind, ClientEvent, ClientRequest, Event};

/// A trace's filter. The default keeps every access and process event, and no retirements.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// Half-open pc ranges `[lo, hi)`: accesses and retirements of instructions outside all
    /// of them are dropped (empty: every pc).
    pub pcs: Vec<(u32, u32)>,
    /// Keep every Nth access (1: all).
    pub sample: u64,
    /// Tracing is on (`--trace-start off` clears it until `rvscope_trace_on()`): while off,
    /// access, retirement and page events are dropped.
    pub active: bool,
    /// Accesses that reached the sampler so far (state; 0 at the start).
    pub sampled: u64,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            from: 0,
            to: u64::MAX,
            kinds: u8::MAX,
            regions: u8::MAX,
            retires: false,
            pcs: Vec::new(),
            sample: 1,
            active: true,
            sampled: 0,
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

    /// Keeps only the pcs in `[lo, hi)` (adds the range to those already kept).
    pub fn with_pc_range(mut self, lo: u32, hi: u32) -> Filter {
        self.pcs.push((lo, hi));
        self
    }

    /// True if the filter keeps every access (and every page event): tracing is on, and no
    /// window, kind, region, pc or sampling filter is set.
    pub fn keeps_all_accesses(&self) -> bool {
        self.active
            && self.from == 0
            && self.to == u64::MAX
            && self.kinds == u8::MAX
            && self.regions == u8::MAX
            && self.pcs.is_empty()
            && self.sample <= 1
    }

    /// True if instruction number `insn` is inside the window.
    pub fn in_window(&self, insn: u64) -> bool {
        (self.from..self.to).contains(&insn)
    }

    /// True if `pc` is in one of the kept ranges (or no range was given).
    pub fn pc_kept(&self, pc: u32) -> bool {
        self.pcs.is_empty() || self.pcs.iter().any(|&(lo, hi)| (lo..hi).contains(&pc))
    }

    /// True if the trace keeps `event`. Stateful: a client request turns tracing on or off,
    /// and sampling counts the accesses that pass the other conditions.
    pub fn keeps(&mut self, event: &Event) -> bool {
        match event {
            Event::Access(a) => {
                let kept = self.active
                    && self.in_window(a.insn)
                    && self.kinds & (1 << a.kind as u8) != 0
                    && match a.region {
                        Some(r) => self.regions & (1 << r as u8) != 0,
                        None => self.regions == u8::MAX,
                    }
                    && self.pc_kept(a.pc);
                kept && self.sampled_in()
            }
            Event::Retire(r) => {
                self.active && self.retires && self.in_window(r.insn) && self.pc_kept(r.pc)
            }
            Event::Page(p) => self.active && self.in_window(p.insn),
            Event::Process(_) => true,
            Event::Client(c) => {
                self.observe_client(c);
                true
            }
        }
    }

    /// Applies a client request's effect on tracing (`rvscope_trace_on/off()`).
    pub fn observe_client(&mut self, c: &ClientEvent) {
        match c.request {
            ClientRequest::TraceOn => self.active = true,
            ClientRequest::TraceOff => self.active = false,
            ClientRequest::Mark(_) | ClientRequest::Snapshot(_) => {}
        }
    }

    /// Counts one access for sampling; true if it is one of the kept ones.
    fn sampled_in(&mut self) -> bool {
        let n = self.sampled;
        self.sampled += 1;
        self.sample <= 1 || n.is_multiple_of(self.sample)
    }
}

/// Parses `--trace-pc LO:HI`: hexadecimal with `0x` or decimal, half-open, `LO < HI`.
pub fn parse_pc_range(s: &str) -> Result<(u32, u32), String> {
    let (lo, hi) = s
        .split_once(':')
        .ok_or_else(|| format!("'{s}': expected LO:HI (e.g. 0x10000:0x10400)"))?;
    let lo = parse_addr(lo)?;
    let hi = parse_addr(hi)?;
    if lo >= hi {
        return Err(format!("'{s}': LO must be below HI"));
    }
    Ok((lo, hi))
}

/// A 32-bit address, `0x…` hexadecimal or decimal.
fn parse_addr(s: &str) -> Result<u32, String> {
    let t = s.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => t.parse::<u32>(),
    };
    parsed.map_err(|_| format!("'{t}' is not a 32-bit address (hex with 0x, or decimal)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pc_ranges_parse_hex_and_decimal_half_open() {
        assert_eq!(parse_pc_range("0x10000:0x10010"), Ok((0x10000, 0x10010)));
        assert_eq!(parse_pc_range("16:32"), Ok((16, 32)));
        for bad in ["", "0x10", "1:1", "2:1", "x:1", "0x1:0x100000000", "1:2:3"] {
            assert!(parse_pc_range(bad).is_err(), "{bad}");
        }
        let f = Filter::default().with_pc_range(16, 32);
        assert!(f.pc_kept(16) && f.pc_kept(31) && !f.pc_kept(32) && !f.pc_kept(15));
    }

    #[test]
    fn sampling_keeps_every_nth_access_from_the_first() {
        let mut f = Filter {
            sample: 3,
            ..Filter::default()
        };
        let kept: Vec<bool> = (0..7).map(|_| f.sampled_in()).collect();
        assert_eq!(kept, [true, false, false, true, false, false, true]);
    }
}
