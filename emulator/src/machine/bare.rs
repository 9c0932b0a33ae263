//! The bare machine (`rvscope run --bare`): one hart that starts in M-mode at the ELF's entry
//! with RAM at [`RAM_BASE`] and nothing else but HTIF — the environment of QEMU's `spike`
//! machine that the programs in `guest/bare/` are written for.
//!
//! There is no kernel: an exception is taken by the hart itself (`Hart::take_trap`, through
//! `mtvec`/`stvec` and the delegation registers), and pending interrupts are checked whenever the
//! interpreter stops, which it does right after every write that can make one takeable. The run
//! ends when the program writes an exit command to `tohost` (see `htif.rs`), or at
//! `--max-insns`.

use std::ops::{Deref, DerefMut};
use std::path::Path;

use super::htif::{Htif, HtifEffect};
use super::interp::{Core, Stop};
use super::{models, pipeline_model, Outcome};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::hart::Hart;
use crate::mem::access::{Memory, WatchedStore};
use crate::mem::phys::{PhysMem, RAM_BASE};
use crate::os::files::Files;
use crate::os::loader::BareImage;
use crate::stats::Stats;
use crate::trace::{Event, NoObserver, Observer, ProcessEvent};

/// A bare-metal RISC-V machine. Its hart and memory are its [`Core`]'s (`machine.hart`,
/// `machine.mem` reach them through `Deref`).
pub struct BareMachine {
    core: Core,
    htif: Htif,
    /// The console: HTIF putchar writes to fd 1.
    files: Files,
    config: Config,
    /// Logged stores to the HTIF words (kept to reuse its allocation).
    stores: Vec<WatchedStore>,
    outcome: Option<Outcome>,
}

impl Deref for BareMachine {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

impl DerefMut for BareMachine {
    fn deref_mut(&mut self) -> &mut Core {
        &mut self.core
    }
}

impl BareMachine {
    /// Loads the bare-metal ELF at `elf_path` into RAM; HTIF console output goes to `files`'
    /// fd 1.
    pub fn new(config: &Config, elf_path: &Path, files: Files) -> Result<BareMachine> {
        config.validate()?;
        let image = BareImage::load(elf_path, config.ram_bytes)?;
        Self::from_image(config, image, files)
    }

    /// Builds the machine for an already-validated `image` (for embedders and tests).
    pub fn from_image(config: &Config, image: BareImage, files: Files) -> Result<BareMachine> {
        config.validate()?;
        let ram_end = u64::from(RAM_BASE) + config.ram_bytes;
        let mut ram = PhysMem::new(config.ram_bytes);
        for seg in &image.segments {
            let end = u64::from(seg.paddr) + u64::from(seg.mem_size);
            if seg.paddr < RAM_BASE || end > ram_end {
                return Err(Error::Config(format!(
                    "the program's segment at {:#x}..{end:#x} does not fit in RAM {RAM_BASE:#x}..{ram_end:#x}",
                    seg.paddr
                )));
            }
            // RAM starts zeroed: the bss part needs no writing.
            let off = (seg.paddr - RAM_BASE) as usize;
            ram.bytes_mut()[off..off + seg.data.len()].copy_from_slice(&seg.data);
        }
        let mut mem = Memory::bare(ram);
        let (tlbs, caches) = models(config)?;
        mem.set_models(tlbs, caches, config.ptw_through_cache);
        mem.set_uncached_pte_read_cycles(config.caches.ram_latency_cycles.into());
        let word = |mem: &Memory, paddr: u32| -> u64 {
            let off = (paddr - RAM_BASE) as usize;
            u64::from_le_bytes(mem.ram.bytes()[off..off + 8].try_into().expect("8 bytes"))
        };
        let (tohost, fromhost) = (image.tohost, image.fromhost);
        let htif = Htif::new(
            tohost,
            fromhost,
            word(&mem, tohost),
            fromhost.map_or(0, |f| word(&mem, f)),
        );
        // One watched range covers both words (they are adjacent in every HTIF program).
        let first = fromhost.map_or(tohost, |f| f.min(tohost));
        let last = fromhost.map_or(tohost, |f| f.max(tohost));
        mem.watch_writes(first, last - first + 8);
        let mut hart = Hart::new_machine(image.entry, config.clock_hz);
        hart.pipeline = pipeline_model(config);
        Ok(BareMachine {
            core: Core::new(hart, mem, config.max_insns),
            htif,
            files,
            config: config.clone(),
            stores: Vec::new(),
            outcome: None,
        })
    }

    /// Runs to the end with no observer.
    pub fn run(&mut self) -> Result<Outcome> {
        self.run_with(&mut NoObserver)
    }

    /// Runs to the end (an HTIF exit or the instruction limit), reporting to `observer`. An
    /// HTIF command rvscope does not implement, or a hart that traps to the instruction that
    /// trapped over and over (no instruction can ever retire again), is an [`Error::Bare`].
    pub fn run_with<O: Observer>(&mut self, observer: &mut O) -> Result<Outcome> {
        if let Some(done) = &self.outcome {
            return Ok(done.clone());
        }
        if O::ENABLED {
            // Page-table walks (an Sv32 test's) are journaled for the trace.
            self.core.mem.start_tracing();
            observer.on_event(&Event::Process(ProcessEvent::Start {
                entry: self.core.hart.pc,
                sp: self.core.hart.regs[2],
            }));
        }
        // (pc, instret, cause, mode) of the last exception taken.
        let mut last_trap = None;
        let ended = loop {
            if self.core.interrupted() {
                break Ok(Outcome::Interrupted(self.core.hart.instret));
            }
            let stop = self.core.run_burst(observer);
            // Stores to tohost come first: they happened before whatever stopped the loop.
            match self.serve_htif() {
                Ok(None) => {}
                Ok(Some(outcome)) => break Ok(outcome),
                Err(e) => break Err(e),
            }
            let core = &mut self.core;
            match stop {
                Stop::Limit => break Ok(Outcome::InsnLimit(core.hart.instret)),
                Stop::Exception(exc) => {
                    let at = (core.hart.pc, core.hart.instret, exc.cause(), core.hart.mode);
                    core.hart.take_trap(exc, &mut core.mem);
                    // The same trap twice in a row from the same place, landing on that place
                    // again with nothing retired in between: the state is a fixed point.
                    if last_trap == Some(at) && (core.hart.pc, core.hart.mode) == (at.0, at.3) {
                        break Err(Error::Bare(format!(
                            "the hart is stuck: {} at {:#010x} traps to {:#010x} itself, over and over (check mtvec/stvec)",
                            exc.name(),
                            at.0,
                            at.0
                        )));
                    }
                    last_trap = Some(at);
                }
                Stop::Watch | Stop::Request => {}
            }
            core.mem.take_stop_request();
            core.hart.take_interrupt(&mut core.mem);
        };
        let _ = self.files.flush_all();
        if O::ENABLED {
            let insn = self.core.hart.instret;
            let event = match &ended {
                Ok(Outcome::Exited(status)) => Some(ProcessEvent::Exit {
                    insn,
                    status: *status,
                }),
                Ok(Outcome::InsnLimit(_)) => Some(ProcessEvent::Limit { insn }),
                Ok(Outcome::Interrupted(_)) => Some(ProcessEvent::Interrupted { insn }),
                Ok(Outcome::Signaled { .. }) | Err(_) => None,
            };
            if let Some(e) = event {
                observer.on_event(&Event::Process(e));
            }
        }
        let outcome = ended?;
        self.outcome = Some(outcome.clone());
        Ok(outcome)
    }

    /// Replays the logged stores to the HTIF words and writes the words back to RAM; the
    /// outcome if the program asked to exit.
    fn serve_htif(&mut self) -> Result<Option<Outcome>> {
        if !self.core.mem.has_watched_stores() {
            return Ok(None);
        }
        self.core.mem.take_watched_stores(&mut self.stores);
        let files = &mut self.files;
        let mut exit = None;
        self.htif
            .replay(&self.stores, |effect| match effect {
                HtifEffect::Putchar(byte) => {
                    // A console that went away (a closed pipe) loses the byte, as QEMU's does.
                    let _ = files.write(1, &[byte]);
                    true
                }
                HtifEffect::Exit(code) => {
                    // QEMU calls exit(code): the shell sees its low 8 bits.
                    exit = Some(Outcome::Exited(code as u8));
                    false
                }
            })
            .map_err(|e| Error::Bare(format!("{e}, near pc {:#010x}", self.core.hart.pc)))?;
        let (tohost, fromhost) = self.htif.words();
        self.write_word(self.htif.tohost_paddr(), tohost);
        if let Some(f) = self.htif.fromhost_paddr() {
            self.write_word(f, fromhost);
        }
        Ok(exit)
    }

    /// The host writes a HTIF word straight into RAM (a device, not a hart access: no caches,
    /// no counts).
    fn write_word(&mut self, paddr: u32, value: u64) {
        let off = (paddr - RAM_BASE) as usize;
        self.core.mem.ram.bytes_mut()[off..off + 8].copy_from_slice(&value.to_le_bytes());
    }

    /// Statistics of the run so far.
    pub fn stats(&self) -> Stats {
        Stats::collect_bare(self)
    }

    /// The configuration this machine was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// How the run ended, if it has.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::{encode, Insn, Reg};
    use crate::os::files::StdStream;
    use crate::os::loader::PhysSegment;

    const TOHOST: u32 = RAM_BASE + 0x1000;

    fn machine(program: &[Insn], config: Config) -> BareMachine {
        let data: Vec<u8> = program
            .iter()
            .flat_map(|i| encode(i).to_le_bytes())
            .collect();
        let image = BareImage {
            entry: RAM_BASE,
            segments: vec![
                PhysSegment {
                    paddr: RAM_BASE,
                    mem_size: data.len() as u32,
                    data,
                },
                PhysSegment {
                    paddr: TOHOST,
                    mem_size: 16,
                    data: vec![],
                },
            ],
            tohost: TOHOST,
            fromhost: Some(TOHOST + 8),
        };
        let files = Files::new(None, StdStream::Null, StdStream::Null, StdStream::Null).unwrap();
        BareMachine::from_image(&config, image, files).unwrap()
    }

    const T0: Reg = Reg(5);
    const T1: Reg = Reg(6);

    /// `t0 = &tohost; t1 = (code << 1) | 1; sw t1, 0(t0); sw zero, 4(t0); j .`
    fn exit_with(code: i32) -> Vec<Insn> {
        vec![
            Insn::Lui {
                rd: T0,
                imm: TOHOST,
            },
            Insn::Addi {
                rd: T1,
                rs1: Reg::ZERO,
                imm: code << 1 | 1,
            },
            Insn::Sw {
                rs1: T0,
                rs2: T1,
                offset: 0,
            },
            Insn::Sw {
                rs1: T0,
                rs2: Reg::ZERO,
                offset: 4,
            },
            Insn::Jal {
                rd: Reg::ZERO,
                offset: 0,
            },
        ]
    }

    #[test]
    fn exit_through_tohost_in_every_timing_mode() {
        use crate::config::TimingMode;
        for timing in [TimingMode::Functional, TimingMode::Tlb, TimingMode::Full] {
            let mut m = machine(
                &exit_with(3),
                Config {
                    timing,
                    ..Config::default()
                },
            );
            assert_eq!(m.run().unwrap(), Outcome::Exited(3), "{timing:?}");
            // The block ran to its end (the jump) before the command was served.
            assert_eq!(m.hart.instret, 5);
        }
    }

    #[test]
    fn a_run_that_never_writes_tohost_stops_at_the_limit() {
        let spin = [Insn::Jal {
            rd: Reg::ZERO,
            offset: 0,
        }];
        let mut m = machine(
            &spin,
            Config {
                max_insns: Some(1000),
                ..Config::default()
            },
        );
        assert_eq!(m.run().unwrap(), Outcome::InsnLimit(1000));
    }

    #[test]
    fn an_exception_is_taken_by_the_hart_and_a_trap_loop_is_an_error() {
        // ecall in M with mtvec = 0: the hart traps to address 0 (no RAM), where the fetch
        // faults, traps to 0 again, and so on: no kernel, no panic, a one-line error.
        let mut m = machine(&[Insn::Ecall], Config::default());
        let err = m.run().unwrap_err().to_string();
        assert!(
            err.contains("stuck: instruction access fault at 0x00000000"),
            "{err}"
        );
        assert!(!err.contains('\n'));
        assert_eq!(m.hart.pc, 0);
    }
}
