//! HTIF, the Berkeley host-target interface as QEMU's `spike` machine implements it: two 64-bit
//! words in guest RAM, `tohost` and `fromhost`, found by their ELF symbols.
//!
//! The guest writes a command to `tohost` — on RV32 as two 32-bit stores, low word then high
//! word — and the write of the high word runs it (QEMU's `htif_mm_write`). A command is
//! `device << 56 | cmd << 48 | payload`:
//!
//! | device | cmd | meaning | host's answer |
//! |---|---|---|---|
//! | 0 | 0 | payload bit 0 set: exit with code `payload >> 1` (the shell sees it `& 0xff`) | — |
//! | 0 | 0 | payload 0 (the guest cleared `tohost`): nothing | `tohost = 0`, `fromhost = 0` |
//! | 1 | 1 | console putchar of the payload's low byte | `tohost = 0`, `fromhost = device << 56 \| cmd << 48 \| 0x100 \| byte` |
//!
//! Anything else is an [`HtifError`]. QEMU acts on the high-word store at once; rvscope sees the
//! stores through a write watch on the two words (`mem::access`) and serves them at the next
//! block boundary, replaying them in order against a copy of the two words so the end state is
//! exactly QEMU's — a guest store to `fromhost` after the command (start.S's `htif_putc` clears
//! it) still overwrites the answer. Only a load of the two words between the command and the
//! end of its block could see the difference; every HTIF client polls across a branch instead.

use crate::mem::access::WatchedStore;

/// What a command asks of the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HtifEffect {
    /// Write this byte to the console.
    Putchar(u8),
    /// End the run with this exit code (`tohost >> 1`).
    Exit(u64),
}

/// A command rvscope does not implement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HtifError {
    /// The whole 64-bit `tohost` value.
    pub command: u64,
}

impl std::fmt::Display for HtifError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = self.command;
        write!(
            f,
            "unsupported HTIF command {c:#018x} (device {}, command {}, payload {:#x}); rvscope implements exit (device 0, command 0, payload bit 0) and console putchar (device 1, command 1)",
            c >> DEVICE_SHIFT,
            (c >> CMD_SHIFT) & 0xff,
            c & PAYLOAD_MASK
        )
    }
}

/// Position of the device field in a command.
const DEVICE_SHIFT: u32 = 56;
/// Position of the command field.
const CMD_SHIFT: u32 = 48;
/// The payload (low 48 bits).
const PAYLOAD_MASK: u64 = (1 << CMD_SHIFT) - 1;
/// Byte offset of `tohost`'s high word, whose store runs the command.
const HIGH_WORD: u32 = 4;

/// The host side of the two HTIF words.
#[derive(Clone, Debug)]
pub struct Htif {
    /// Physical address of `tohost`.
    tohost_paddr: u32,
    /// Physical address of `fromhost`, if the program has one.
    fromhost_paddr: Option<u32>,
    /// `tohost` as the guest's stores and the host's answers leave it, in order.
    tohost: u64,
    /// `fromhost`, likewise.
    fromhost: u64,
}

impl Htif {
    /// The device for words at `tohost_paddr` and `fromhost_paddr` holding `tohost` and
    /// `fromhost` (their values in RAM when the run starts).
    pub fn new(tohost_paddr: u32, fromhost_paddr: Option<u32>, tohost: u64, fromhost: u64) -> Self {
        Htif {
            tohost_paddr,
            fromhost_paddr,
            tohost,
            fromhost,
        }
    }

    /// Physical address of `tohost`.
    pub fn tohost_paddr(&self) -> u32 {
        self.tohost_paddr
    }

    /// Physical address of `fromhost`, if any.
    pub fn fromhost_paddr(&self) -> Option<u32> {
        self.fromhost_paddr
    }

    /// The words' values after everything replayed so far.
    pub fn words(&self) -> (u64, u64) {
        (self.tohost, self.fromhost)
    }

    /// Replays the guest's `stores` to the two words in program order, running each command
    /// when its high word is written; `effect` receives what each command asks for, in order,
    /// and may stop the replay by returning `false` (the run ended). Afterwards
    /// [`Htif::words`] holds the words as they must be in RAM.
    pub fn replay(
        &mut self,
        stores: &[WatchedStore],
        mut effect: impl FnMut(HtifEffect) -> bool,
    ) -> Result<(), HtifError> {
        for store in stores {
            let mut runs = false;
            for (paddr, byte) in store.bytes() {
                if let Some(i) = paddr.checked_sub(self.tohost_paddr).filter(|&i| i < 8) {
                    set_byte(&mut self.tohost, i, byte);
                    runs |= i >= HIGH_WORD;
                }
                if let Some(i) = self
                    .fromhost_paddr
                    .and_then(|f| paddr.checked_sub(f))
                    .filter(|&i| i < 8)
                {
                    set_byte(&mut self.fromhost, i, byte);
                }
            }
            if runs && !self.run(&mut effect)? {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Runs the command in `tohost`; false if the replay must stop.
    fn run(&mut self, effect: &mut impl FnMut(HtifEffect) -> bool) -> Result<bool, HtifError> {
        let command = self.tohost;
        let (device, cmd, payload) = (
            command >> DEVICE_SHIFT,
            (command >> CMD_SHIFT) & 0xff,
            command & PAYLOAD_MASK,
        );
        match (device, cmd) {
            (0, 0) if payload & 1 == 1 => Ok(effect(HtifEffect::Exit(payload >> 1))),
            (0, 0) if payload == 0 => {
                // Zeros written to tohost (a guest clearing it): QEMU logs an unsupported
                // proxied syscall and answers with zeros; nothing for the run to do.
                self.fromhost = 0;
                self.tohost = 0;
                Ok(true)
            }
            (1, 1) => {
                let byte = payload as u8;
                let go_on = effect(HtifEffect::Putchar(byte));
                // QEMU: fromhost = device and command of the request | 0x100 | the byte; then
                // tohost = 0 to say the command was taken.
                self.fromhost = (command >> CMD_SHIFT << CMD_SHIFT) | 0x100 | u64::from(byte);
                self.tohost = 0;
                Ok(go_on)
            }
            _ => Err(HtifError { command }),
        }
    }
}

/// Sets byte `i` (little-endian) of `word`.
fn set_byte(word: &mut u64, i: u32, byte: u8) {
    let shift = 8 * i;
    *word = (*word & !(0xff << shift)) | u64::from(byte) << shift;
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOHOST: u32 = 0x8000_1000;
    const FROMHOST: u32 = 0x8000_1008;

    fn sw(paddr: u32, value: u32) -> WatchedStore {
        WatchedStore {
            paddr,
            len: 4,
            bytes: value.to_le_bytes(),
        }
    }

    fn replay(h: &mut Htif, stores: &[WatchedStore]) -> Result<Vec<HtifEffect>, HtifError> {
        let mut seen = Vec::new();
        h.replay(stores, |e| {
            seen.push(e);
            !matches!(e, HtifEffect::Exit(_))
        })?;
        Ok(seen)
    }

    #[test]
    fn putchar_then_guest_clears_fromhost_as_start_s_does() {
        let mut h = Htif::new(TOHOST, Some(FROMHOST), 0, 0);
        let stores = [
            sw(TOHOST, u32::from(b'h')),
            sw(TOHOST + 4, 0x0101_0000),
            sw(FROMHOST, 0),
            sw(FROMHOST + 4, 0),
        ];
        assert_eq!(
            replay(&mut h, &stores).unwrap(),
            [HtifEffect::Putchar(b'h')]
        );
        // The host's answer came before the guest's clearing stores, as in QEMU.
        assert_eq!(h.words(), (0, 0));
    }

    #[test]
    fn putchar_answer_stays_when_the_guest_does_not_clear() {
        let mut h = Htif::new(TOHOST, Some(FROMHOST), 0, 0);
        let stores = [sw(TOHOST, u32::from(b'A')), sw(TOHOST + 4, 0x0101_0000)];
        replay(&mut h, &stores).unwrap();
        assert_eq!(h.words(), (0, 0x0101_0000_0000_0141));
    }

    #[test]
    fn the_low_word_alone_runs_nothing_even_across_boundaries() {
        // A character with bit 0 set would read as "exit" if the low word ran the command.
        let mut h = Htif::new(TOHOST, Some(FROMHOST), 0, 0);
        assert_eq!(replay(&mut h, &[sw(TOHOST, u32::from(b'a'))]).unwrap(), []);
        assert_eq!(
            replay(&mut h, &[sw(TOHOST + 4, 0x0101_0000)]).unwrap(),
            [HtifEffect::Putchar(b'a')]
        );
    }

    #[test]
    fn exit_codes_follow_qemu() {
        for (tohost, code) in [(1u32, 0u64), (7, 3), (601, 300)] {
            let mut h = Htif::new(TOHOST, None, 0, 0);
            let stores = [sw(TOHOST, tohost), sw(TOHOST + 4, 0)];
            assert_eq!(replay(&mut h, &stores).unwrap(), [HtifEffect::Exit(code)]);
        }
    }

    #[test]
    fn writing_zeros_is_harmless() {
        let mut h = Htif::new(TOHOST, Some(FROMHOST), 0, 5);
        assert_eq!(
            replay(&mut h, &[sw(TOHOST, 0), sw(TOHOST + 4, 0)]).unwrap(),
            []
        );
        assert_eq!(h.words(), (0, 0));
    }

    #[test]
    fn stops_after_exit() {
        let mut h = Htif::new(TOHOST, None, 0, 0);
        let stores = [
            sw(TOHOST, 1),
            sw(TOHOST + 4, 0),
            sw(TOHOST, u32::from(b'x')),
            sw(TOHOST + 4, 0x0101_0000),
        ];
        assert_eq!(replay(&mut h, &stores).unwrap(), [HtifEffect::Exit(0)]);
    }

    #[test]
    fn other_commands_are_one_line_errors() {
        // A proxied syscall, console getchar, an unknown device.
        for (low, high) in [(0x100u32, 0u32), (0, 0x0100_0000), (0, 0x0200_0000)] {
            let mut h = Htif::new(TOHOST, None, 0, 0);
            let err = replay(&mut h, &[sw(TOHOST, low), sw(TOHOST + 4, high)]).unwrap_err();
            let text = err.to_string();
            assert!(text.contains("unsupported HTIF command"), "{text}");
            assert!(!text.contains('\n'));
        }
    }
}
