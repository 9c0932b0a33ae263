//! Tests of the Sv32 walk, each named after the rule of priv spec §4.3 it checks: page tables are
//! built in a fake physical memory, and a proptest compares the walk with a naive reference.

use std::collections::HashMap;

use proptest::prelude::*;

use super::*;

/// Fake physical memory: PTE words by physical address; absent words read as 0; addresses at or
/// above `limit` are not RAM and give an access fault.
#[derive(Clone, Debug, PartialEq)]
struct FakeRam {
    words: HashMap<u64, u32>,
    limit: u64,
    /// PTE writes fail (an A/D update to a table the memory system will not write).
    read_only: bool,
    reads: u32,
    writes: u32,
}

/// RAM ends at 16 MiB (PPN 0x1000).
const RAM_LIMIT: u64 = 0x1000 << PAGE_SHIFT;
const ROOT_PPN: u32 = 0x100;
/// The level-0 table used by `map4k`.
const L0_PPN: u32 = 0x101;
const ASID: u16 = 5;

impl FakeRam {
    fn new() -> FakeRam {
        FakeRam {
            words: HashMap::new(),
            limit: RAM_LIMIT,
            read_only: false,
            reads: 0,
            writes: 0,
        }
    }

    fn word(&self, paddr: u64) -> u32 {
        self.words.get(&paddr).copied().unwrap_or(0)
    }

    fn set(&mut self, paddr: u64, word: u32) {
        self.words.insert(paddr, word);
    }
}

impl PteMemory for FakeRam {
    fn read_pte(&mut self, paddr: u64) -> Result<u32, AccessFault> {
        if paddr >= self.limit {
            return Err(AccessFault { paddr });
        }
        self.reads += 1;
        Ok(self.word(paddr))
    }

    fn write_pte(&mut self, paddr: u64, pte: u32) -> Result<(), AccessFault> {
        if paddr >= self.limit || self.read_only {
            return Err(AccessFault { paddr });
        }
        self.writes += 1;
        self.set(paddr, pte);
        Ok(())
    }
}

fn satp() -> Satp {
    Satp::new(SatpMode::Sv32, ASID, ROOT_PPN)
}

fn pte_addr(table_ppn: u32, index: u32) -> u64 {
    (u64::from(table_ppn) << PAGE_SHIFT) + u64::from(index) * PTE_SIZE_BYTES
}

fn root_slot(vaddr: u32) -> u64 {
    pte_addr(ROOT_PPN, vpn(vaddr, 1))
}

fn leaf_slot(vaddr: u32) -> u64 {
    pte_addr(L0_PPN, vpn(vaddr, 0))
}

/// Maps the 4 KiB page at `vaddr` to frame `ppn` through the level-0 table `L0_PPN`.
fn map4k(ram: &mut FakeRam, vaddr: u32, ppn: u32, flags: u32) {
    ram.set(root_slot(vaddr), Pte::new(L0_PPN, Pte::V).0);
    ram.set(leaf_slot(vaddr), Pte::new(ppn, flags).0);
}

/// Maps the 4 MiB megapage at `vaddr` to `ppn` (a multiple of 1024 unless testing misalignment).
fn map4m(ram: &mut FakeRam, vaddr: u32, ppn: u32, flags: u32) {
    ram.set(root_slot(vaddr), Pte::new(ppn, flags).0);
}

const LOAD: AccessKind = AccessKind::Load;
const STORE: AccessKind = AccessKind::Store;
const FETCH: AccessKind = AccessKind::Fetch;
const USER: PrivContext = PrivContext::USER;
const SUPER: PrivContext = PrivContext::SUPERVISOR;
const SUPER_SUM: PrivContext = PrivContext {
    sum: true,
    ..PrivContext::SUPERVISOR
};
const USER_MXR: PrivContext = PrivContext {
    mxr: true,
    ..PrivContext::USER
};
const V: u32 = Pte::V;
const R: u32 = Pte::R;
const W: u32 = Pte::W;
const X: u32 = Pte::X;
const U: u32 = Pte::U;
const G: u32 = Pte::G;
const A: u32 = Pte::A;
const D: u32 = Pte::D;

#[test]
fn pte_fields() {
    // PPN[1] = 0xabc (12 bits), PPN[0] = 0x155, RSW = 2, flags D-G-X-RV.
    let pte = Pte((0xabc << 20) | (0x155 << 10) | (2 << 8) | D | G | X | R | V);
    assert_eq!(pte.ppn1(), 0xabc);
    assert_eq!(pte.ppn0(), 0x155);
    assert_eq!(pte.ppn(), (0xabc << 10) | 0x155);
    assert_eq!(pte.rsw(), 2);
    assert!(pte.valid() && pte.readable() && pte.executable() && pte.global() && pte.dirty());
    assert!(!pte.writable() && !pte.user() && !pte.accessed());
    assert!(pte.is_leaf() && !pte.is_reserved_rwx());
    assert_eq!(format!("{pte:?}"), "Pte(ppn=0x2af155 rsw=2 D-G-X-RV)");
    assert!(!Pte(V).is_leaf(), "no R, no X: a pointer");
    assert!(Pte(V | X).is_leaf(), "execute-only is a leaf");
    assert!(Pte(V | W).is_reserved_rwx() && Pte(V | W | X).is_reserved_rwx());
    assert!(!Pte(V | W | R).is_reserved_rwx());
    assert_eq!(Pte::new(0x3f_ffff, V | R).ppn(), 0x3f_ffff, "22-bit PPN");
}

#[test]
fn satp_fields() {
    let s = Satp::new(SatpMode::Sv32, 0x1ab, 0x2a_5a5a);
    assert_eq!(s.0, (1 << 31) | (0x1ab << 22) | 0x2a_5a5a);
    assert_eq!(s.mode(), SatpMode::Sv32);
    assert_eq!(s.asid(), 0x1ab);
    assert_eq!(s.root_ppn(), 0x2a_5a5a);
    assert_eq!(s.root_paddr(), 0x2a_5a5a << 12, "34-bit physical address");
    assert_eq!(Satp(0).mode(), SatpMode::Bare);
    assert_eq!(
        Satp::new(SatpMode::Bare, 0x3ff, 0).asid(),
        0x1ff,
        "ASID is 9 bits"
    );
}

#[test]
fn translates_a_4k_page_with_two_pte_reads() {
    let mut ram = FakeRam::new();
    let va = 0x1234_5678;
    map4k(&mut ram, va, 0x3_0042, V | R | W | U | A | D);
    let t = walk(&mut ram, satp(), va, LOAD, USER).unwrap();
    assert_eq!(t.paddr, (0x3_0042 << 12) | 0x678);
    assert_eq!(t.page_size, PageSize::Page4K);
    assert_eq!(t.level, 0);
    assert_eq!(t.pte_reads, 2);
    assert_eq!(ram.reads, 2);
    assert_eq!(t.pte_paddr, leaf_slot(va));
    assert!(!t.global && !t.pte_written);
}

#[test]
fn translates_a_megapage_with_one_pte_read() {
    let mut ram = FakeRam::new();
    let va = 0x0040_0000 | 0x12_3456; // megapage 1, offset 0x123456
    map4m(&mut ram, va, 0x5 << 10, V | R | X | U | A);
    let t = walk(&mut ram, satp(), va, FETCH, USER).unwrap();
    // Step 8: pa.ppn[1] = pte.ppn[1], pa.ppn[0] = va.vpn[0], pa.pgoff = va.pgoff.
    assert_eq!(t.paddr, (5 << 22) | 0x12_3456);
    assert_eq!(t.page_size, PageSize::Mega4M);
    assert_eq!(t.level, 1);
    assert_eq!(t.pte_reads, 1);
    assert_eq!(ram.reads, 1);
}

#[test]
fn physical_addresses_are_34_bits() {
    let mut ram = FakeRam::new();
    map4k(&mut ram, 0x1000, 0x3f_ffff, V | R | A);
    let t = walk(&mut ram, satp(), 0x1fff, LOAD, SUPER).unwrap();
    assert_eq!(t.paddr, 0x3_ffff_ffff);
    map4m(&mut ram, 0x8000_0000, 0xfff << 10, V | R | A);
    let t = walk(&mut ram, satp(), 0x803f_fffc, LOAD, SUPER).unwrap();
    assert_eq!(t.paddr, 0x3_ffff_fffc);
}

/// (what, leaf flags, access, context, expected result).
type PermCase = (
    &'static str,
    u32,
    AccessKind,
    PrivContext,
    Result<(), PageFaultReason>,
);

/// Step 5 for a leaf with the given flags (A and D preset so no write-back happens).
#[test]
fn leaf_permission_rules() {
    use PageFaultReason::*;
    let ok = Ok(());
    #[rustfmt::skip]
    let cases: &[PermCase] = &[
        // what                                   leaf flags        access  context     result
        ("U loads a U R page",                   R | U,            LOAD,   USER,       ok),
        ("U stores a U RW page",                 R | W | U,        STORE,  USER,       ok),
        ("U fetches a U X page",                 X | U,            FETCH,  USER,       ok),
        ("U loads an S page",                    R,                LOAD,   USER,       Err(SupervisorPage)),
        ("U stores an S page",                   R | W,            STORE,  USER,       Err(SupervisorPage)),
        ("U fetches an S page",                  X,                FETCH,  USER,       Err(SupervisorPage)),
        ("S loads an S page",                    R,                LOAD,   SUPER,      ok),
        ("S loads a U page without SUM",         R | U,            LOAD,   SUPER,      Err(UserPage)),
        ("S stores a U page without SUM",        R | W | U,        STORE,  SUPER,      Err(UserPage)),
        ("S loads a U page with SUM",            R | U,            LOAD,   SUPER_SUM,  ok),
        ("S stores a U page with SUM",           R | W | U,        STORE,  SUPER_SUM,  ok),
        ("S fetches a U page even with SUM",     X | U,            FETCH,  SUPER_SUM,  Err(UserPage)),
        ("S fetches an S X page",                X,                FETCH,  SUPER,      ok),
        ("load from X-only without MXR",         X | U,            LOAD,   USER,       Err(Permission)),
        ("load from X-only with MXR",            X | U,            LOAD,   USER_MXR,   ok),
        ("MXR does not make X-only writable",    X | U,            STORE,  USER_MXR,   Err(Permission)),
        ("store to a read-only page",            R | U,            STORE,  USER,       Err(Permission)),
        ("store to a read-execute page",         R | X | U,        STORE,  USER,       Err(Permission)),
        ("fetch from a non-X page",              R | W | U,        FETCH,  USER,       Err(Permission)),
        ("fetch from RWX page",                  R | W | X | U,    FETCH,  USER,       ok),
        ("W without R is reserved",              W | U,            STORE,  USER,       Err(WriteWithoutRead)),
        ("W|X without R is reserved",            W | X | U,        FETCH,  USER,       Err(WriteWithoutRead)),
    ];
    for &(what, flags, kind, ctx, want) in cases {
        for mega in [false, true] {
            let mut ram = FakeRam::new();
            let va = 0x0040_2468;
            let all = V | A | D | flags;
            if mega {
                map4m(&mut ram, va, 0x7 << 10, all);
            } else {
                map4k(&mut ram, va, 0x7, all);
            }
            let got = walk(&mut ram, satp(), va, kind, ctx);
            let got = got.map(|_| ()).map_err(|f| match f {
                WalkFault::Page { reason, vaddr, .. } => {
                    assert_eq!(vaddr, va, "{what}");
                    reason
                }
                other => panic!("{what}: {other:?}"),
            });
            assert_eq!(got, want, "{what} (megapage: {mega})");
            assert_eq!(ram.writes, 0, "{what}: A and D were already set");
        }
    }
}

/// Steps 2–4 and 6: faults found while walking, before or instead of a permission check.
#[test]
fn structural_faults() {
    use PageFaultReason::*;
    let va = 0x0080_3abc;
    type Setup = fn(&mut FakeRam);
    #[rustfmt::skip]
    let cases: &[(&str, Setup, PageFaultReason, u8)] = &[
        // what, page-table setup, reason, PTE reads before the fault
        ("root PTE invalid (V=0)",
            |_| {}, Invalid, 1),
        ("root PTE with permissions but V=0",
            |ram| map4m(ram, 0x0080_0000, 0x400, R | W | X | U), Invalid, 1),
        ("leaf PTE invalid (V=0)",
            |ram| map4k(ram, 0x0080_3000, 0x9, R | U), Invalid, 2),
        ("megapage W without R",
            |ram| map4m(ram, 0x0080_0000, 0x400, V | W | U), WriteWithoutRead, 1),
        ("misaligned megapage (PPN[0] = 1)",
            |ram| map4m(ram, 0x0080_0000, 0x401, V | R | W | X | U), MisalignedMegapage, 1),
        ("misaligned megapage (PPN[0] = 0x200)",
            |ram| map4m(ram, 0x0080_0000, 0x600, V | R | W | X | U), MisalignedMegapage, 1),
        ("level-0 PTE is a pointer",
            |ram| map4k(ram, 0x0080_3000, 0x9, V), PointerAtLevel0, 2),
        ("level-0 PTE is a pointer with G",
            |ram| map4k(ram, 0x0080_3000, 0x9, V | G), PointerAtLevel0, 2),
        ("pointer with A set (reserved)",
            |ram| ram.set(root_slot(0x0080_0000), Pte::new(L0_PPN, V | A).0), NonLeafReservedBits, 1),
        ("pointer with D set (reserved)",
            |ram| ram.set(root_slot(0x0080_0000), Pte::new(L0_PPN, V | D).0), NonLeafReservedBits, 1),
        ("pointer with U set (reserved)",
            |ram| ram.set(root_slot(0x0080_0000), Pte::new(L0_PPN, V | U).0), NonLeafReservedBits, 1),
    ];
    for &(what, setup, reason, reads) in cases {
        for kind in [FETCH, LOAD, STORE] {
            let mut ram = FakeRam::new();
            setup(&mut ram);
            let fault = walk(&mut ram, satp(), va, kind, USER).unwrap_err();
            assert_eq!(
                fault,
                WalkFault::Page {
                    kind,
                    vaddr: va,
                    reason
                },
                "{what}"
            );
            assert_eq!(ram.reads, u32::from(reads), "{what}: PTE reads");
            assert_eq!(ram.writes, 0, "{what}: a fault sets neither A nor D");
        }
    }
}

#[test]
fn page_fault_causes_and_tval() {
    let va = 0xdead_beef;
    for (kind, cause) in [(FETCH, 12), (LOAD, 13), (STORE, 15)] {
        let mut ram = FakeRam::new();
        let fault = walk(&mut ram, satp(), va, kind, USER).unwrap_err();
        assert_eq!(fault.cause(), cause, "{kind:?}");
        assert_eq!(fault.tval(), va);
    }
}

#[test]
fn pte_read_outside_ram_is_an_access_fault() {
    let va = 0x0000_5000;
    for (kind, cause) in [(FETCH, 1), (LOAD, 5), (STORE, 7)] {
        // The root table itself is past the end of RAM.
        let mut ram = FakeRam::new();
        let beyond = Satp::new(SatpMode::Sv32, ASID, 0x2000);
        let fault = walk(&mut ram, beyond, va, kind, USER).unwrap_err();
        assert_eq!(fault.cause(), cause);
        assert_eq!(fault.tval(), va);
        assert_eq!(
            fault,
            WalkFault::Access {
                kind,
                vaddr: va,
                pte_paddr: pte_addr(0x2000, 0)
            }
        );
        // The root points to a level-0 table past the end of RAM: one read, then the fault.
        let mut ram = FakeRam::new();
        ram.set(root_slot(va), Pte::new(0x3f_0000, V).0);
        let fault = walk(&mut ram, satp(), va, kind, USER).unwrap_err();
        assert_eq!(fault.cause(), cause);
        assert_eq!(ram.reads, 1);
    }
}

#[test]
fn walker_sets_accessed_and_dirty() {
    // (access, flags before, flags after, written back?)
    #[rustfmt::skip]
    let cases = [
        (LOAD,  V | R | W | U,         V | R | W | U | A,     true),
        (FETCH, V | R | X | U,         V | R | X | U | A,     true),
        (STORE, V | R | W | U,         V | R | W | U | A | D, true),
        (STORE, V | R | W | U | A,     V | R | W | U | A | D, true),
        (LOAD,  V | R | W | U | A,     V | R | W | U | A,     false),
        (LOAD,  V | R | W | U | A | D, V | R | W | U | A | D, false),
        (STORE, V | R | W | U | A | D, V | R | W | U | A | D, false),
        (LOAD,  V | R | W | U | D,     V | R | W | U | A | D, true),
    ];
    for (kind, before, after, written) in cases {
        for mega in [false, true] {
            let mut ram = FakeRam::new();
            let va = 0x0100_0010;
            let (slot, ppn) = if mega {
                map4m(&mut ram, va, 0xc00, before);
                (root_slot(va), 0xc00)
            } else {
                map4k(&mut ram, va, 0xc00, before);
                (leaf_slot(va), 0xc00)
            };
            let t = walk(&mut ram, satp(), va, kind, USER).unwrap();
            assert_eq!(
                ram.word(slot),
                Pte::new(ppn, after).0,
                "{kind:?} {before:#x}"
            );
            assert_eq!(t.pte, Pte::new(ppn, after));
            assert_eq!(t.pte_written, written);
            assert_eq!(ram.writes, u32::from(written));
        }
    }
}

/// Step 7: a failed A/D write-back is an access fault of the original access's type; an access
/// that needs no update never writes.
#[test]
fn failed_ad_write_back_is_an_access_fault() {
    let va = 0x0000_8000;
    for (kind, flags, cause) in [
        (FETCH, V | X | U, Some(1)),
        (LOAD, V | R | U, Some(5)),
        (STORE, V | R | W | U | A, Some(7)),
        (LOAD, V | R | U | A, None),
        (STORE, V | R | W | U | A | D, None),
    ] {
        let mut ram = FakeRam::new();
        map4k(&mut ram, va, 0x42, flags);
        ram.read_only = true;
        let got = walk(&mut ram, satp(), va, kind, USER);
        match cause {
            Some(cause) => {
                let fault = got.unwrap_err();
                assert_eq!(fault.cause(), cause, "{kind:?}");
                assert_eq!(fault.tval(), va);
            }
            None => assert!(got.is_ok(), "{kind:?}: A/D already set, nothing to write"),
        }
    }
}

#[test]
fn ad_write_back_preserves_rsw_and_ppn() {
    let mut ram = FakeRam::new();
    let va = 0x7000_0000;
    let before = Pte::new(0x2_1234, V | R | W | U).0 | (3 << 8);
    map4k(&mut ram, va, 0, 0);
    ram.set(leaf_slot(va), before);
    walk(&mut ram, satp(), va, STORE, USER).unwrap();
    assert_eq!(ram.word(leaf_slot(va)), before | A | D);
}

#[test]
fn global_bit_from_leaf_or_pointer() {
    for (pointer, leaf, global) in [(0, 0, false), (G, 0, true), (0, G, true), (G, G, true)] {
        let mut ram = FakeRam::new();
        let va = 0x0000_3000;
        map4k(&mut ram, va, 0x50, V | R | U | A | leaf);
        ram.set(root_slot(va), Pte::new(L0_PPN, V | pointer).0);
        let t = walk(&mut ram, satp(), va, LOAD, USER).unwrap();
        assert_eq!(t.global, global, "pointer G {pointer:#x}, leaf G {leaf:#x}");
    }
}

#[test]
fn level1_and_level0_indices_select_the_right_ptes() {
    // Two pages that share VPN[1] but differ in VPN[0], and one that differs in VPN[1].
    let mut ram = FakeRam::new();
    map4k(&mut ram, 0x0040_1000, 0x11, V | R | U | A);
    map4k(&mut ram, 0x0040_2000, 0x22, V | R | U | A);
    map4m(&mut ram, 0x00c0_0000, 0x33 << 10, V | R | U | A);
    for (va, pa) in [
        (0x0040_1004u32, 0x11_004u64),
        (0x0040_2ffc, 0x22_ffc),
        (0x00c0_1234, (0x33 << 22) | 0x1234),
    ] {
        assert_eq!(walk(&mut ram, satp(), va, LOAD, USER).unwrap().paddr, pa);
    }
    assert!(walk(&mut ram, satp(), 0x0040_3000, LOAD, USER).is_err());
}

// ---- Property test: the walk agrees with a naive reference implementation. ----

/// What both implementations report: (paddr, leaf word after A/D, level, PTE reads, global) or
/// (cause, tval).
type Outcome = Result<(u64, u32, u8, u8, bool), (u32, u32)>;

/// §4.3.2 once more, written from the raw bits with no helper of the module under test.
fn reference_walk(
    ram: &mut FakeRam,
    satp: u32,
    va: u32,
    kind: AccessKind,
    ctx: PrivContext,
) -> Outcome {
    let (page_fault, access_fault) = match kind {
        AccessKind::Fetch => (12, 1),
        AccessKind::Load => (13, 5),
        AccessKind::Store => (15, 7),
    };
    let bit = |pte: u32, n: u32| (pte >> n) & 1 == 1;
    let mut a = u64::from(satp & 0x3f_ffff) * 4096;
    let mut global = false;
    let mut reads = 0u8;
    for i in [1u32, 0] {
        let vpn_i = (va >> (12 + 10 * i)) & 0x3ff;
        let addr = a + u64::from(vpn_i) * 4;
        if addr >= ram.limit {
            return Err((access_fault, va));
        }
        let pte = ram.word(addr);
        reads += 1;
        let (v, r, w, x, u, g, acc, dirty) = (
            bit(pte, 0),
            bit(pte, 1),
            bit(pte, 2),
            bit(pte, 3),
            bit(pte, 4),
            bit(pte, 5),
            bit(pte, 6),
            bit(pte, 7),
        );
        if !v || (!r && w) {
            return Err((page_fault, va));
        }
        global = global || g;
        if !r && !x {
            if dirty || acc || u || i == 0 {
                return Err((page_fault, va));
            }
            a = u64::from(pte >> 10) * 4096;
            continue;
        }
        let user_mode = ctx.privilege == Privilege::User;
        let priv_ok = if user_mode {
            u
        } else {
            !u || (ctx.sum && kind != AccessKind::Fetch)
        };
        let perm_ok = match kind {
            AccessKind::Fetch => x,
            AccessKind::Load => r || (x && ctx.mxr),
            AccessKind::Store => w,
        };
        let ppn = pte >> 10;
        if !priv_ok || !perm_ok || (i == 1 && ppn & 0x3ff != 0) {
            return Err((page_fault, va));
        }
        let mut new = pte | 0x40;
        if kind == AccessKind::Store {
            new |= 0x80;
        }
        if new != pte {
            ram.set(addr, new);
        }
        let pa = if i == 1 {
            (u64::from(ppn >> 10) << 22) | u64::from(va & 0x3f_ffff)
        } else {
            (u64::from(ppn) << 12) | u64::from(va & 0xfff)
        };
        return Ok((pa, new, i as u8, reads, global));
    }
    unreachable!("the loop returns at level 0")
}

/// Level-1 indices the random tables populate, and the level-0 tables' PPNs.
const VPN1S: [u32; 4] = [0, 1, 0x300, 0x3ff];
const VPN0S: [u32; 4] = [0, 5, 0x200, 0x3ff];
const TABLE_PPNS: [u32; 4] = [0x200, 0x201, 0x202, 0x203];

/// A PTE word that is often a valid pointer to one of the tables, often a leaf, sometimes junk.
fn pte_word() -> impl Strategy<Value = u32> {
    let ppn = prop_oneof![
        prop::sample::select(TABLE_PPNS.to_vec()),
        (0u32..0x1000).prop_map(|p| p << 10), // megapage-aligned
        0u32..0x40_0000,                      // anything, often past RAM
    ];
    let flags = prop_oneof![
        (0u32..2).prop_map(|g| Pte::V | (g * Pte::G)), // a clean pointer
        (0u32..0x100).prop_map(|f| f | Pte::V | Pte::R), // a readable leaf
        (0u32..0x100).prop_map(|f| f | Pte::V | Pte::X), // an executable leaf
        0u32..0x400,                                   // anything, RSW included
    ];
    (ppn, flags).prop_map(|(ppn, flags)| (ppn << 10) | flags)
}

fn kind() -> impl Strategy<Value = AccessKind> {
    prop::sample::select(vec![AccessKind::Fetch, AccessKind::Load, AccessKind::Store])
}

fn context() -> impl Strategy<Value = PrivContext> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(user, sum, mxr)| PrivContext {
        privilege: if user {
            Privilege::User
        } else {
            Privilege::Supervisor
        },
        sum,
        mxr,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4_000))]

    #[test]
    fn walk_agrees_with_the_reference(
        root in prop::collection::vec(pte_word(), 4),
        tables in prop::collection::vec(pte_word(), 16),
        accesses in prop::collection::vec((0usize..4, 0usize..4, 0u32..4096, kind(), context()), 1..8),
    ) {
        let mut ram = FakeRam::new();
        for (i, &vpn1) in VPN1S.iter().enumerate() {
            ram.set(pte_addr(ROOT_PPN, vpn1), root[i]);
        }
        for (t, &table) in TABLE_PPNS.iter().enumerate() {
            for (i, &vpn0) in VPN0S.iter().enumerate() {
                ram.set(pte_addr(table, vpn0), tables[t * 4 + i]);
            }
        }
        let mut reference = ram.clone();
        // Several accesses in a row, so A/D written by one are seen by the next.
        for (v1, v0, offset, kind, ctx) in accesses {
            let va = (VPN1S[v1] << 22) | (VPN0S[v0] << 12) | offset;
            let got: Outcome = walk(&mut ram, satp(), va, kind, ctx)
                .map(|t| (t.paddr, t.pte.0, t.level, t.pte_reads, t.global))
                .map_err(|f| (f.cause(), f.tval()));
            let want = reference_walk(&mut reference, satp().0, va, kind, ctx);
            prop_assert_eq!(got, want, "va {:#x} {:?} {:?}", va, kind, ctx);
            prop_assert_eq!(&ram.words, &reference.words);
        }
    }
}
