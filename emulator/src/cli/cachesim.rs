//! `rvscope cachesim`: the cache hierarchy alone, driven by a Dinero IV "din" trace.
//!
//! din (Dinero III's format, Dinero IV's `-informat d`): one record per line, `LABEL ADDRESS`,
//! the address in hex without `0x`, anything after it ignored. Labels: 0 data read, 1 data write,
//! 2 instruction fetch, 3 escape record (an access of unknown type: skipped and counted here),
//! 4 escape record that flushes the cache. Like Dinero IV reading din, an access is 4 bytes at
//! the address rounded down to a multiple of 4. rvscope extension: a decimal third field is the
//! access size in bytes, and then the address is used as is (so straddling accesses can be
//! expressed). `0x` prefixes, blank lines and `#` comment lines are accepted.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result};
use rvscope::mem::cache::AccessKind;
use rvscope::mem::cache_config::HierarchyConfig;
use rvscope::mem::hierarchy::{Hierarchy, HierarchyStats};
use serde::Serialize;

use super::{CacheArgs, CachesimArgs};

/// Version tag of the JSON `--stats-file` output.
const CACHESIM_SCHEMA: &str = "rvscope-cachesim/1";
/// Largest access size a record may give (one page).
const MAX_RECORD_SIZE: u32 = 4096;
/// Size Dinero IV assumes for din records.
const DIN_ACCESS_BYTES: u32 = 4;

/// One parsed din record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record {
    /// A read, write or fetch.
    Access {
        kind: AccessKind,
        addr: u32,
        size: u32,
    },
    /// Label 3: an access of unknown type.
    Escape,
    /// Label 4: write back and invalidate everything.
    Flush,
    /// A blank or comment line.
    Nothing,
}

/// Parses one line of a din trace; the error says what is wrong (the caller adds file and line).
pub fn parse_din_line(line: &str) -> std::result::Result<Record, String> {
    let mut fields = line.split_whitespace();
    let Some(label) = fields.next() else {
        return Ok(Record::Nothing);
    };
    if label.starts_with('#') {
        return Ok(Record::Nothing);
    }
    let kind = match label {
        "0" => AccessKind::Load,
        "1" => AccessKind::Store,
        "2" => AccessKind::Fetch,
        "3" => return Ok(Record::Escape),
        "4" => return Ok(Record::Flush),
        _ => {
            return Err(format!(
                "unknown label '{label}' (din labels: 0 read, 1 write, 2 fetch, 3 escape, 4 flush)"
            ))
        }
    };
    let Some(addr_text) = fields.next() else {
        return Err(format!("label {label} without an address"));
    };
    let hex = addr_text
        .strip_prefix("0x")
        .or_else(|| addr_text.strip_prefix("0X"))
        .unwrap_or(addr_text);
    let addr = u32::from_str_radix(hex, 16)
        .ok()
        .filter(|_| !hex.starts_with('+'))
        .ok_or_else(|| format!("address '{addr_text}' is not a 32-bit hexadecimal number"))?;
    let size = match fields.next() {
        Some(t) if t.bytes().all(|b| b.is_ascii_digit()) => {
            let size = t
                .parse::<u32>()
                .ok()
                .filter(|s| (1..=MAX_RECORD_SIZE).contains(s))
                .ok_or_else(|| format!("size '{t}' is not between 1 and {MAX_RECORD_SIZE}"))?;
            return Ok(Record::Access { kind, addr, size });
        }
        _ => DIN_ACCESS_BYTES,
    };
    Ok(Record::Access {
        kind,
        addr: addr & !(DIN_ACCESS_BYTES - 1),
        size,
    })
}

/// How many records of each sort the trace held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RecordCounts {
    /// Label 0.
    pub reads: u64,
    /// Label 1.
    pub writes: u64,
    /// Label 2.
    pub fetches: u64,
    /// Label 3.
    pub escapes: u64,
    /// Label 4.
    pub flushes: u64,
}

/// The `--stats-file` JSON.
#[derive(Serialize)]
struct Report<'a> {
    schema: &'static str,
    trace: String,
    records: RecordCounts,
    /// Sum of the cycles of every access (latencies of the levels visited).
    cycles: u64,
    /// The configuration used, and where it came from ([`Base::describe`]).
    config: &'a HierarchyConfig,
    config_source: String,
    #[serde(flatten)]
    stats: HierarchyStats,
}

/// Runs the simulation; returns the exit status.
pub fn cachesim(args: CachesimArgs) -> Result<u8> {
    let name = args.trace.display().to_string();
    let input: Box<dyn Read> = if args.trace == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(&args.trace)
                .map_err(|e| rvscope::Error::Config(format!("{name}: {e}")))?,
        )
    };
    replay(&args, &name, Base::Defaults, |h| {
        simulate(h, BufReader::new(input), &name).map_err(Into::into)
    })
}

/// What a replay's cache configuration starts from, before `--config` and the cache flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Base {
    /// The built-in defaults (`cachesim`, and `trace replay` of a din trace).
    Defaults,
    /// The caches a bin trace's header records.
    Header(HierarchyConfig),
    /// A bin trace whose header records no caches (written by a tool that leaves them out):
    /// the built-in defaults.
    HeaderWithout,
}

impl Base {
    /// Where the configuration came from, for the report: `changed` if `--config` or the flags
    /// made it differ from the base.
    fn describe(&self, changed: bool) -> String {
        let base = match self {
            Base::Defaults => "the built-in defaults",
            Base::Header(_) => "the trace header",
            Base::HeaderWithout => "the built-in defaults (the trace header records no caches)",
        };
        if changed {
            format!("{base}, changed by --config or the cache flags")
        } else {
            base.to_owned()
        }
    }
}

/// The trace-driven run shared by `rvscope cachesim` and `rvscope trace replay`: builds the
/// hierarchy of `base` changed by `args`, lets `feed` drive it, prints or writes the statistics
/// (with the configuration used, and for a bin trace a line saying where it came from).
pub fn replay(
    args: &CachesimArgs,
    name: &str,
    base: Base,
    feed: impl FnOnce(&mut Hierarchy) -> Result<(RecordCounts, u64)>,
) -> Result<u8> {
    let recorded = match &base {
        Base::Header(h) => Some(h),
        Base::Defaults | Base::HeaderWithout => None,
    };
    let config = args.caches.resolve(recorded, args.config.as_deref())?;
    let unchanged = CacheArgs::default().resolve(recorded, None)?;
    let config_source = base.describe(config != unchanged);
    let mut hierarchy = Hierarchy::new(&config)?;
    let (records, cycles) = feed(&mut hierarchy)?;
    let stats = hierarchy.stats();
    match &args.stats_file {
        Some(path) => {
            let report = Report {
                schema: CACHESIM_SCHEMA,
                trace: name.to_owned(),
                records,
                cycles,
                config: &config,
                config_source,
                stats,
            };
            let json = serde_json::to_string_pretty(&report).context("serialising statistics")?;
            std::fs::write(path, json + "\n").map_err(|cause| rvscope::Error::Io {
                context: format!("writing {}", path.display()),
                cause,
            })?;
        }
        None => {
            let r = records;
            println!(
                "{name}: {} reads, {} writes, {} fetches; {} flushes, {} escape records skipped; {cycles} cycles",
                r.reads, r.writes, r.fetches, r.flushes, r.escapes
            );
            if base != Base::Defaults {
                println!("{name}: caches from {config_source}");
            }
            print!("{}", stats.to_text());
        }
    }
    Ok(0)
}

/// Feeds one din record (label 0 read, 1 write, 2 fetch) to the hierarchy, counting it.
pub fn feed_access(
    hierarchy: &mut Hierarchy,
    counts: &mut RecordCounts,
    label: u8,
    addr: u32,
    size: u32,
) -> u64 {
    let kind = match label {
        2 => {
            counts.fetches += 1;
            AccessKind::Fetch
        }
        1 => {
            counts.writes += 1;
            AccessKind::Store
        }
        _ => {
            counts.reads += 1;
            AccessKind::Load
        }
    };
    hierarchy.access(addr, size, kind).cycles
}

/// Feeds every record of `input` to the hierarchy; returns the record counts and total cycles.
pub fn simulate(
    hierarchy: &mut Hierarchy,
    mut input: impl BufRead,
    name: &str,
) -> Result<(RecordCounts, u64), rvscope::Error> {
    let mut counts = RecordCounts::default();
    let mut cycles = 0u64;
    let mut buf = Vec::with_capacity(64);
    let mut line_no = 0u64;
    loop {
        buf.clear();
        line_no += 1;
        let at = |why: String| rvscope::Error::Config(format!("{name}:{line_no}: {why}"));
        match input.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Err(at(e.to_string())),
        }
        let text = std::str::from_utf8(&buf).map_err(|_| at("not text (invalid UTF-8)".into()))?;
        match parse_din_line(text).map_err(at)? {
            Record::Access { kind, addr, size } => {
                let label = match kind {
                    AccessKind::Fetch => 2,
                    AccessKind::Store => 1,
                    _ => 0,
                };
                cycles += feed_access(hierarchy, &mut counts, label, addr, size);
            }
            Record::Escape => counts.escapes += 1,
            Record::Flush => {
                counts.flushes += 1;
                hierarchy.flush();
            }
            Record::Nothing => {}
        }
    }
    Ok((counts, cycles))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn din_lines() {
        use AccessKind::*;
        let access = |kind, addr, size| Ok(Record::Access { kind, addr, size });
        for (line, want) in [
            ("0 1000", access(Load, 0x1000, 4)),
            ("1 70f6088e", access(Store, 0x70f6088c, 4)),
            ("2 2cb5 this is a comment", access(Fetch, 0x2cb4, 4)),
            ("2 0x2cb5 2", access(Fetch, 0x2cb5, 2)),
            ("  0\tffffffff  \r\n", access(Load, 0xffff_fffc, 4)),
            ("0 ffffffff 8", access(Load, 0xffff_ffff, 8)),
            ("3 1234", Ok(Record::Escape)),
            ("4 0", Ok(Record::Flush)),
            ("", Ok(Record::Nothing)),
            ("# a comment", Ok(Record::Nothing)),
        ] {
            assert_eq!(parse_din_line(line), want, "{line:?}");
        }
        for (line, needle) in [
            ("5 1000", "unknown label '5'"),
            ("r 1000", "unknown label 'r'"),
            ("0", "without an address"),
            ("0 xyz", "'xyz' is not a 32-bit hexadecimal"),
            ("0 100000000", "not a 32-bit"),
            ("0 +10", "not a 32-bit"),
            ("0 10 0", "size '0'"),
            ("0 10 99999", "size '99999'"),
        ] {
            let e = parse_din_line(line).unwrap_err();
            assert!(e.contains(needle), "{line:?}: {e}");
        }
    }

    #[test]
    fn errors_name_file_and_line() {
        let mut h = Hierarchy::new(&HierarchyConfig::default()).unwrap();
        let e = simulate(&mut h, &b"0 10\n1 20\n7 30\n"[..], "t.din").unwrap_err();
        assert_eq!(e.exit_code(), 125);
        assert!(
            e.to_string().starts_with("t.din:3: unknown label '7'"),
            "{e}"
        );
        let e = simulate(&mut h, &b"0 10\n\xff\xfe\n"[..], "t.din").unwrap_err();
        assert!(e.to_string().starts_with("t.din:2: not text"), "{e}");
    }

    #[test]
    fn counts_records() {
        let mut h = Hierarchy::new(&HierarchyConfig::default()).unwrap();
        let (c, cycles) =
            simulate(&mut h, &b"2 0\n0 1000\n1 1000\n3 5\n4 0\n0 1000"[..], "t").unwrap();
        assert_eq!(
            c,
            RecordCounts {
                reads: 2,
                writes: 1,
                fetches: 1,
                escapes: 1,
                flushes: 1
            }
        );
        // Fetch miss, read miss, write hit; the flush invalidates every level, so the last
        // read goes all the way to RAM again.
        let miss = 4 + 12 + 40 + 200;
        assert_eq!(cycles, miss + miss + 4 + miss);
    }
}
