//! Physical memory (and, in later issues, the cache hierarchy and swap device).

pub mod access;
pub mod phys;
