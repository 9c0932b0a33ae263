//! Simulated, deterministic time (DESIGN.md §3): every clock the guest can read is derived from
//! the cycle count and `--clock-hz`, never from the host, so runs are reproducible.
//!
//! The wall clock starts at [`SimClock::EPOCH_UNIX_SECS`] (2026-01-01T00:00:00Z) at cycle 0;
//! the monotonic and CPU-time clocks start at 0.

/// Ticks per second of `clock_t` values returned by the `times` system call (Linux `USER_HZ`).
pub const USER_HZ: u64 = 100;

/// Converts cycle counts into the time values system calls return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimClock {
    clock_hz: u64,
}

/// A point in time as whole seconds plus nanoseconds (`0..1_000_000_000`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimTime {
    /// Whole seconds.
    pub secs: u64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

impl SimTime {
    /// Microseconds within the second (truncated).
    pub fn micros(self) -> u32 {
        self.nanos / 1000
    }
}

impl SimClock {
    /// Unix time of cycle 0: 2026-01-01T00:00:00Z.
    pub const EPOCH_UNIX_SECS: u64 = 1_767_225_600;

    /// A clock running at `clock_hz` cycles per second (0 is treated as 1 Hz).
    pub fn new(clock_hz: u64) -> Self {
        Self {
            clock_hz: clock_hz.max(1),
        }
    }

    /// The simulated core frequency in Hz.
    pub fn clock_hz(&self) -> u64 {
        self.clock_hz
    }

    /// Time elapsed since cycle 0 (the monotonic clock and process CPU time).
    pub fn elapsed(&self, cycles: u64) -> SimTime {
        let secs = cycles / self.clock_hz;
        let rem = cycles % self.clock_hz;
        // rem < clock_hz, so the quotient is < 10^9 and fits in u32.
        let nanos = (u128::from(rem) * 1_000_000_000 / u128::from(self.clock_hz)) as u32;
        SimTime { secs, nanos }
    }

    /// Wall-clock (Unix) time at `cycles`.
    pub fn realtime(&self, cycles: u64) -> SimTime {
        let t = self.elapsed(cycles);
        SimTime {
            secs: t.secs.saturating_add(Self::EPOCH_UNIX_SECS),
            nanos: t.nanos,
        }
    }

    /// Clock ticks at `ticks_per_sec` elapsed since cycle 0 (e.g. [`USER_HZ`] for `times`).
    pub fn ticks(&self, cycles: u64, ticks_per_sec: u64) -> u64 {
        let t = u128::from(cycles) * u128::from(ticks_per_sec) / u128::from(self.clock_hz);
        u64::try_from(t).unwrap_or(u64::MAX)
    }

    /// Resolution of the simulated clocks in nanoseconds (one cycle, at least 1 ns).
    pub fn resolution_nanos(&self) -> u64 {
        1_000_000_000u64.div_ceil(self.clock_hz).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_ghz_conversions() {
        let c = SimClock::new(1_000_000_000);
        assert_eq!(c.elapsed(0), SimTime { secs: 0, nanos: 0 });
        assert_eq!(
            c.elapsed(2_500_000_123),
            SimTime {
                secs: 2,
                nanos: 500_000_123
            }
        );
        let r = c.realtime(1_000_001_999);
        assert_eq!(r.secs, SimClock::EPOCH_UNIX_SECS + 1);
        assert_eq!(r.nanos, 1_999);
        assert_eq!(r.micros(), 1);
        assert_eq!(c.ticks(1_234_567_890, USER_HZ), 123);
        assert_eq!(c.ticks(1_234_567_890, 1_000_000), 1_234_567);
        assert_eq!(c.resolution_nanos(), 1);
    }

    #[test]
    fn odd_frequencies_and_extremes() {
        let c = SimClock::new(3);
        assert_eq!(
            c.elapsed(4),
            SimTime {
                secs: 1,
                nanos: 333_333_333
            }
        );
        assert_eq!(c.resolution_nanos(), 333_333_334);
        let z = SimClock::new(0);
        assert_eq!(z.clock_hz(), 1);
        let big = SimClock::new(u64::MAX);
        let t = big.elapsed(u64::MAX - 1);
        assert_eq!(t.secs, 0);
        assert!(t.nanos < 1_000_000_000);
        assert_eq!(SimClock::new(1).ticks(u64::MAX, u64::MAX), u64::MAX);
        assert_eq!(
            SimClock::new(1).realtime(u64::MAX).secs,
            u64::MAX,
            "saturates"
        );
    }
}
