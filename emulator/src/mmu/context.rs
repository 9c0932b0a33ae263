//! What the hart's privileged state tells the MMU: which page tables, and at which privilege
//! fetches and data accesses are checked (priv spec §3.1.6.3 MPRV, §4.3.1 SUM/MXR, §4.1.11 satp).

use crate::mmu::sv32::{PrivContext, Satp, SatpMode};

/// The translation context of the current privilege mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmuContext {
    /// The address-translation register.
    pub satp: Satp,
    /// How instruction fetches are translated: `None` when they are not (M-mode, or
    /// `satp.MODE = Bare`).
    pub fetch: Option<PrivContext>,
    /// How loads and stores are translated (differs from fetches under `mstatus.MPRV`).
    pub data: Option<PrivContext>,
}

impl MmuContext {
    /// No translation at all (M-mode, or a bare machine).
    pub const PHYSICAL: MmuContext = MmuContext {
        satp: Satp(0),
        fetch: None,
        data: None,
    };

    /// A U-mode process on the Sv32 tables named by `satp` (SUM and MXR clear).
    pub fn user(satp: Satp) -> MmuContext {
        debug_assert_eq!(satp.mode(), SatpMode::Sv32);
        MmuContext {
            satp,
            fetch: Some(PrivContext::USER),
            data: Some(PrivContext::USER),
        }
    }
}
