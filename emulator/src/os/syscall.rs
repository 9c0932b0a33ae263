//! System calls (DESIGN.md §3).
