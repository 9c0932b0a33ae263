//! `rvscope trace …`: tools for recorded traces — convert a bin trace to the text formats,
//! count its events, replay it through the cache hierarchy (the `cachesim` implementation).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use anyhow::{Context, Result};
use rvscope::config::recorded_caches;
use rvscope::mem::hierarchy::Level;
use rvscope::trace::bin::{BinReader, BIN_MAGIC};
use rvscope::trace::writer::din_records;
use rvscope::trace::{Event, Filter, Format, PageEventKind, PageFaultKind, ProcessEvent, Tracer};
use serde::Serialize;

use super::cachesim::{self, Base, Record, RecordCounts};
use super::{CachesimArgs, ConvertArgs, StatsArgs};

/// Version tag of `rvscope trace stats --json`.
const STATS_SCHEMA: &str = "rvscope-trace-stats/1";

fn bad_file(name: &str, offset: u64, why: &str) -> anyhow::Error {
    rvscope::Error::Config(format!("{name}: at byte {offset}: {why}")).into()
}

fn open(path: &Path) -> Result<(String, Box<dyn Read>)> {
    let name = path.display().to_string();
    let input: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(path)
                .map_err(|e| rvscope::Error::Config(format!("{name}: {e}")))?,
        )
    };
    Ok((name, input))
}

/// A bin trace being read.
type Reader = BinReader<BufReader<Box<dyn Read>>>;

fn open_bin(path: &Path) -> Result<(String, Reader)> {
    let (name, input) = open(path)?;
    let reader = BinReader::new(BufReader::with_capacity(1 << 16, input))
        .map_err(|(at, why)| bad_file(&name, at, &why))?;
    Ok((name, reader))
}

/// `rvscope trace convert`.
pub fn convert(args: ConvertArgs) -> Result<u8> {
    if args.to == Format::Bin {
        return Err(rvscope::Error::Config("--to bin: the input is bin already".into()).into());
    }
    let (name, mut reader) = open_bin(&args.input)?;
    let h = &reader.header;
    let filter = Filter {
        from: h["filter"]["from"].as_u64().unwrap_or(0),
        to: h["filter"]["to"].as_u64().unwrap_or(u64::MAX),
        retires: h["retires"].as_bool().unwrap_or(false),
        ..Filter::default()
    };
    if args.to == Format::Commit && !filter.retires {
        return Err(rvscope::Error::Config(format!(
            "{name}: --to commit needs the retirements, and this trace was recorded without \
             --trace-regs"
        ))
        .into());
    }
    let config = h["config"].clone();
    let out: Box<dyn Write> = match &args.output {
        Some(p) if p != Path::new("-") => Box::new(
            std::fs::File::create(p)
                .map_err(|e| rvscope::Error::Config(format!("-o {}: {e}", p.display())))?,
        ),
        _ => Box::new(std::io::stdout().lock()),
    };
    let mut tracer = Tracer::with_config_json(out, args.to, filter, config);
    use rvscope::trace::Observer;
    while let Some(event) = reader
        .next_event()
        .map_err(|(at, why)| bad_file(&name, at, &why))?
    {
        tracer.on_event(&event);
    }
    tracer.finish().map_err(|cause| rvscope::Error::Io {
        context: "writing the converted trace".into(),
        cause,
    })?;
    Ok(0)
}

/// What `rvscope trace stats` counts.
#[derive(Debug, Default, Serialize)]
struct TraceStats {
    schema: &'static str,
    trace: String,
    format: &'static str,
    /// Records (bin: events; din: lines with a label).
    records: u64,
    /// Accesses by kind (din: read, write, fetch, escape, flush).
    by_kind: BTreeMap<String, u64>,
    /// Accesses by region (bin).
    by_region: BTreeMap<String, u64>,
    /// Accesses by the level that served them (bin, when caches were modelled).
    served_by: BTreeMap<String, u64>,
    /// L1 lookups that missed, instruction side (fetches) and data side (the rest) (bin).
    l1i_misses: u64,
    /// See `l1i_misses`.
    l1d_misses: u64,
    /// TLB misses (bin).
    tlb_misses: u64,
    /// Page faults resolved, minor and major (bin: page events).
    minor_faults: u64,
    /// See `minor_faults`.
    major_faults: u64,
    /// Accesses that raised an exception (bin).
    faulted: u64,
    /// Retirements (bin).
    retires: u64,
    /// How the process ended (bin).
    end: Option<String>,
}

/// `rvscope trace stats`.
pub fn stats(args: StatsArgs) -> Result<u8> {
    let (name, mut input) = open(&args.input)?;
    let mut head = [0u8; 8];
    let mut buffered = BufReader::with_capacity(1 << 16, &mut input);
    let peek = buffered.fill_buf().context("reading the trace")?;
    let n = peek.len().min(8);
    head[..n].copy_from_slice(&peek[..n]);
    let mut s = TraceStats {
        schema: STATS_SCHEMA,
        trace: name.clone(),
        ..TraceStats::default()
    };
    if head == BIN_MAGIC {
        s.format = "bin";
        let mut reader = BinReader::new(buffered).map_err(|(at, why)| bad_file(&name, at, &why))?;
        while let Some(event) = reader
            .next_event()
            .map_err(|(at, why)| bad_file(&name, at, &why))?
        {
            s.records += 1;
            count_event(&mut s, &event);
        }
    } else {
        s.format = "din";
        let mut line = Vec::new();
        let mut no = 0u64;
        loop {
            line.clear();
            no += 1;
            if buffered.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            let text = std::str::from_utf8(&line)
                .map_err(|_| rvscope::Error::Config(format!("{name}:{no}: not text")))?;
            let name_of = match cachesim::parse_din_line(text)
                .map_err(|e| rvscope::Error::Config(format!("{name}:{no}: {e}")))?
            {
                Record::Access { kind, .. } => match kind {
                    rvscope::mem::cache::AccessKind::Fetch => "fetch",
                    rvscope::mem::cache::AccessKind::Store => "write",
                    _ => "read",
                },
                Record::Escape => "escape",
                Record::Flush => "flush",
                Record::Nothing => continue,
            };
            s.records += 1;
            *s.by_kind.entry(name_of.into()).or_default() += 1;
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        print!("{}", stats_text(&s));
    }
    Ok(0)
}

fn count_event(s: &mut TraceStats, event: &Event) {
    match event {
        Event::Access(a) => {
            *s.by_kind.entry(a.kind.name().into()).or_default() += 1;
            let region = a.region.map_or("-", |r| r.name());
            *s.by_region.entry(region.into()).or_default() += 1;
            if let Some(l) = a.served_by {
                let name = match l {
                    Level::L1 => "L1",
                    Level::L2 => "L2",
                    Level::L3 => "L3",
                    Level::Ram => "RAM",
                };
                *s.served_by.entry(name.into()).or_default() += 1;
            }
            if let Some(j) = a.cache {
                if j.levels[0].hit == Some(false) {
                    if a.kind == rvscope::trace::AccessKind::Fetch {
                        s.l1i_misses += 1;
                    } else {
                        s.l1d_misses += 1;
                    }
                }
            }
            if a.tlb == rvscope::trace::TlbOutcome::Miss {
                s.tlb_misses += 1;
            }
            if a.fault.is_some() {
                s.faulted += 1;
            }
        }
        // Only a resolved fault is a fault; heap, mapping and swap events are not counted.
        Event::Page(p) if p.kind == PageEventKind::Fault => match p.fault {
            PageFaultKind::Minor => s.minor_faults += 1,
            PageFaultKind::Major => s.major_faults += 1,
        },
        Event::Page(_) | Event::Client(_) => {}
        Event::Retire(_) => s.retires += 1,
        Event::Process(p) => {
            s.end = match *p {
                ProcessEvent::Start { .. } => s.end.take(),
                ProcessEvent::Exit { status, .. } => Some(format!("exit {status}")),
                ProcessEvent::Signal { signal, .. } => Some(signal.name().into()),
                ProcessEvent::Limit { .. } => Some("limit".into()),
                ProcessEvent::Interrupted { .. } => Some("interrupted".into()),
            }
        }
    }
}

fn stats_text(s: &TraceStats) -> String {
    use std::fmt::Write as _;
    let mut t = String::new();
    let _ = writeln!(t, "{} ({}): {} records", s.trace, s.format, s.records);
    let table = |t: &mut String, title: &str, m: &BTreeMap<String, u64>| {
        if !m.is_empty() {
            let _ = writeln!(t, "{title}:");
            for (k, v) in m {
                let _ = writeln!(t, "  {k:<8} {v:>14}");
            }
        }
    };
    table(&mut t, "accesses by kind", &s.by_kind);
    table(&mut t, "accesses by region", &s.by_region);
    table(&mut t, "served by", &s.served_by);
    if s.format == "bin" {
        for (k, v) in [
            ("L1I misses", s.l1i_misses),
            ("L1D misses", s.l1d_misses),
            ("TLB misses", s.tlb_misses),
            ("minor page faults", s.minor_faults),
            ("major page faults", s.major_faults),
            ("faulted accesses", s.faulted),
            ("retirements", s.retires),
        ] {
            let _ = writeln!(t, "{k:<18} {v:>14}");
        }
        if let Some(end) = &s.end {
            let _ = writeln!(t, "{:<18} {end:>14}", "end");
        }
    }
    t
}

/// `rvscope trace replay`: a bin or din trace through the cache hierarchy (`cachesim`'s
/// implementation; a bin trace replays exactly the records its din conversion would hold, with
/// the caches its header records as the base the cache flags and `--config` change).
pub fn replay(args: Box<CachesimArgs>) -> Result<u8> {
    let (name, mut input) = open(&args.trace)?;
    let mut buffered = BufReader::with_capacity(1 << 16, &mut input);
    let is_bin = buffered
        .fill_buf()
        .context("reading the trace")?
        .starts_with(&BIN_MAGIC);
    if !is_bin {
        return cachesim::replay(&args, &name, Base::Defaults, |h| {
            cachesim::simulate(h, buffered, &name).map_err(Into::into)
        });
    }
    let mut reader = BinReader::new(buffered).map_err(|(at, why)| bad_file(&name, at, &why))?;
    // The run's own caches, unless the command line changes them.
    let origin = format!("{name}: trace header config");
    let base = match recorded_caches(&reader.header["config"], &origin)? {
        Some(caches) => Base::Header(caches),
        None => Base::HeaderWithout,
    };
    cachesim::replay(&args, &name, base, |h| {
        let mut counts = RecordCounts::default();
        let mut cycles = 0;
        while let Some(event) = reader
            .next_event()
            .map_err(|(at, why)| bad_file(&name, at, &why))?
        {
            if let Event::Access(a) = event {
                din_records(&a, |label, addr, size| {
                    cycles += cachesim::feed_access(h, &mut counts, label, addr, size);
                });
            }
        }
        Ok((counts, cycles))
    })
}
