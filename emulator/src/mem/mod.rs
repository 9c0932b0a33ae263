//! Physical memory and the cache hierarchy (and, in a later issue, the swap device).

pub mod access;
pub mod cache;
pub mod cache_config;
pub mod hierarchy;
pub mod phys;
pub mod replacement;
