//! Physical memory, the cache hierarchy and the swap device.

pub mod access;
pub mod cache;
pub mod cache_config;
pub mod hierarchy;
pub mod phys;
pub mod replacement;
pub mod swap;
