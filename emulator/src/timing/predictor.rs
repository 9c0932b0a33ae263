//! Branch predictors for the pipeline model (`--bp`): two static ones, decided from the
//! instruction alone, and a bimodal table of 2-bit saturating counters indexed by pc.

/// Which predictor guesses conditional branches (`--bp`); serialized as its `--bp` text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PredictorKind {
    /// Every branch is predicted not taken (fetch simply goes on).
    #[default]
    StaticNotTaken,
    /// Backward taken, forward not taken (loops close with backward branches).
    Btfn,
    /// A table of `entries` 2-bit saturating counters indexed by `pc >> 1`.
    Bimodal {
        /// Number of counters (a power of two).
        entries: u32,
    },
}

impl PredictorKind {
    /// Largest bimodal table accepted.
    pub const MAX_BIMODAL_ENTRIES: u32 = 1 << 20;

    /// True for predictors decided from the instruction alone (charged from block exit counts,
    /// with no per-branch work).
    pub fn is_static(self) -> bool {
        !matches!(self, PredictorKind::Bimodal { .. })
    }

    /// The static prediction for a branch with byte `offset`: taken or not.
    pub fn static_taken(self, offset: i32) -> bool {
        match self {
            PredictorKind::StaticNotTaken | PredictorKind::Bimodal { .. } => false,
            // A zero offset (a branch to itself) loops: backward.
            PredictorKind::Btfn => offset <= 0,
        }
    }
}

impl std::fmt::Display for PredictorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PredictorKind::StaticNotTaken => f.write_str("static-not-taken"),
            PredictorKind::Btfn => f.write_str("btfn"),
            PredictorKind::Bimodal { entries } => write!(f, "bimodal:{entries}"),
        }
    }
}

impl serde::Serialize for PredictorKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl std::str::FromStr for PredictorKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let lower = s.to_ascii_lowercase();
        match lower.as_str() {
            "static-not-taken" | "not-taken" => return Ok(PredictorKind::StaticNotTaken),
            "btfn" => return Ok(PredictorKind::Btfn),
            _ => {}
        }
        let Some(n) = lower.strip_prefix("bimodal:") else {
            return Err(format!(
                "unknown branch predictor '{s}' (static-not-taken, btfn, bimodal:ENTRIES)"
            ));
        };
        let entries: u32 = n
            .parse()
            .map_err(|_| format!("bimodal entries '{n}' is not a number"))?;
        if !entries.is_power_of_two() || entries > Self::MAX_BIMODAL_ENTRIES {
            return Err(format!(
                "bimodal entries {entries} must be a power of two up to {}",
                Self::MAX_BIMODAL_ENTRIES
            ));
        }
        Ok(PredictorKind::Bimodal { entries })
    }
}

/// Counter value a bimodal entry starts at: weakly not taken.
const WEAKLY_NOT_TAKEN: u8 = 1;
/// Counters at or above this predict taken.
const PREDICT_TAKEN_AT: u8 = 2;
/// Saturation value of a 2-bit counter.
const STRONGLY_TAKEN: u8 = 3;

/// The bimodal table.
#[derive(Clone, Debug)]
pub struct Bimodal {
    counters: Vec<u8>,
    mask: u32,
}

impl Bimodal {
    /// A table of `entries` (a power of two) counters, all weakly not taken.
    pub fn new(entries: u32) -> Bimodal {
        Bimodal {
            counters: vec![WEAKLY_NOT_TAKEN; entries as usize],
            mask: entries - 1,
        }
    }

    /// Predicts the branch at `pc`, then trains its counter with the outcome; true if the
    /// prediction was taken.
    #[inline(always)]
    pub fn predict_and_train(&mut self, pc: u32, taken: bool) -> bool {
        let c = &mut self.counters[((pc >> 1) & self.mask) as usize];
        let predicted = *c >= PREDICT_TAKEN_AT;
        *c = if taken {
            (*c + 1).min(STRONGLY_TAKEN)
        } else {
            c.saturating_sub(1)
        };
        predicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_every_form() {
        for (text, kind) in [
            ("static-not-taken", PredictorKind::StaticNotTaken),
            ("btfn", PredictorKind::Btfn),
            ("bimodal:512", PredictorKind::Bimodal { entries: 512 }),
        ] {
            assert_eq!(text.parse::<PredictorKind>(), Ok(kind));
            assert_eq!(kind.to_string(), text);
        }
        assert!("bimodal:100".parse::<PredictorKind>().is_err());
        assert!("bimodal:".parse::<PredictorKind>().is_err());
        assert!("gshare".parse::<PredictorKind>().is_err());
    }

    #[test]
    fn a_counter_needs_two_takens_to_predict_taken_and_saturates() {
        let mut b = Bimodal::new(4);
        assert!(!b.predict_and_train(0x100, true)); // 1 → 2
        assert!(b.predict_and_train(0x100, true)); // 2 → 3
        assert!(b.predict_and_train(0x100, true)); // stays 3
        assert!(b.predict_and_train(0x100, false)); // 3 → 2
        assert!(b.predict_and_train(0x100, false)); // 2 → 1
        assert!(!b.predict_and_train(0x100, false)); // 1 → 0
        assert!(!b.predict_and_train(0x100, false)); // stays 0
    }
}
