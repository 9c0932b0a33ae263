//! Copying between the kernel and user memory (Linux's `copy_from_user` / `copy_to_user`).
//! System calls see user memory only through [`UserMemory`], so they work unchanged whether
//! translation uses the region list or the Sv32 MMU.

/// A user address the kernel could not access (unmapped or lacking permission): the syscall
/// fails with `-EFAULT`, as on Linux.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadUserAddr(pub u32);

/// Access to the current process's memory by virtual address, with user permissions.
pub trait UserMemory {
    /// Copies `buf.len()` bytes starting at user address `vaddr` into `buf`.
    fn copy_from_user(&mut self, vaddr: u32, buf: &mut [u8]) -> Result<(), BadUserAddr>;
    /// Copies `data` to user address `vaddr` (the pages must be user-writable).
    fn copy_to_user(&mut self, vaddr: u32, data: &[u8]) -> Result<(), BadUserAddr>;

    /// Reads a NUL-terminated string of at most `max_bytes` bytes (without the NUL).
    /// A string with no NUL within `max_bytes` is an error (Linux: `-ENAMETOOLONG`), reported
    /// here as `Ok(None)`.
    fn read_c_string(
        &mut self,
        vaddr: u32,
        max_bytes: usize,
    ) -> Result<Option<Vec<u8>>, BadUserAddr> {
        let mut out = Vec::new();
        let mut byte = [0u8; 1];
        for i in 0..max_bytes as u32 {
            self.copy_from_user(vaddr.wrapping_add(i), &mut byte)?;
            if byte[0] == 0 {
                return Ok(Some(out));
            }
            out.push(byte[0]);
        }
        Ok(None)
    }
}
