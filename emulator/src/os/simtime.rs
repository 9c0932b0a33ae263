//! TEMPORARY stand-in.
/// Clock.
pub struct SimClock;
impl SimClock {
    /// New.
    pub fn new(hz: u64) -> Self {
        let _ = hz;
        SimClock
    }
}
