//! A lock between processes (and threads): an exclusive advisory lock that
//! the operating system keeps on an open lock file (`flock` on Unix,
//! `LockFileEx` on Windows), taken through `fs4` because `File::lock`
//! needs Rust 1.89 and the workspace builds on 1.85.
//!
//! The lock belongs to the open file: it is released when the holder drops
//! it, and by the operating system when the holder's process ends, even
//! killed, so no lock is ever left over. The lock file itself is kept:
//! removing it while it is held would let one process lock a new file at
//! the same path while another still holds the old one.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long [`FileLock::acquire`] waits by default: holders keep the lock
/// for one read-modify-rename, milliseconds.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(10);

/// Why the lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another holder kept it past the deadline.
    Busy,
    /// The lock file could not be opened or locked.
    Io(io::Error),
}

/// A held lock; dropping it releases it.
#[derive(Debug)]
pub struct FileLock {
    file: File,
}

impl FileLock {
    /// Locks the file `path` (created, readable by its owner only, if
    /// missing), trying again after short pauses until it is free or
    /// `deadline` has passed.
    pub fn acquire(path: &Path, deadline: Duration) -> Result<FileLock, LockError> {
        let started = Instant::now();
        let file = open(path).map_err(LockError::Io)?;
        let mut pause = Duration::from_millis(2);
        loop {
            // The trait's function by path: on Rust 1.89 and later, `File`
            // has an inherent `try_lock` of its own, with another error type.
            match fs4::FileExt::try_lock(&file) {
                Ok(()) => return Ok(FileLock { file }),
                Err(fs4::TryLockError::WouldBlock) => {}
                Err(fs4::TryLockError::Error(e)) => return Err(LockError::Io(e)),
            }
            let Some(left) = deadline.checked_sub(started.elapsed()).filter(|d| !d.is_zero()) else {
                return Err(LockError::Busy);
            };
            std::thread::sleep(pause.min(left));
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Closing the file would release it too; on Windows, only after a
        // while, so unlock first. On failure, closing still releases it.
        let _ = fs4::FileExt::unlock(&self.file);
    }
}

/// Opens (creating, mode 0600 on Unix) the lock file, leaving what is in it:
/// the lock is on the open file, not in its contents.
fn open(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    // Read and write: Windows locks only files opened for one of them.
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch lock file, its directory removed when dropped.
    struct Scratch(std::path::PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!(
                "genesys-presence-file-lock-{}-{name}",
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }

        fn path(&self) -> std::path::PathBuf {
            self.0.join("x.lock")
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_held_lock_is_busy_until_dropped_then_free() {
        let scratch = Scratch::new("held");
        let held = FileLock::acquire(&scratch.path(), Duration::ZERO).unwrap();
        let started = Instant::now();
        assert!(matches!(
            FileLock::acquire(&scratch.path(), Duration::from_millis(50)),
            Err(LockError::Busy)
        ));
        assert!(started.elapsed() >= Duration::from_millis(50));
        drop(held);
        let again = FileLock::acquire(&scratch.path(), Duration::ZERO);
        assert!(again.is_ok(), "{again:?}");
    }

    #[test]
    fn the_lock_file_is_kept_with_its_contents_and_owner_only() {
        let scratch = Scratch::new("kept");
        std::fs::write(scratch.path(), "left by an older version").unwrap();
        drop(FileLock::acquire(&scratch.path(), Duration::ZERO).unwrap());
        assert_eq!(
            std::fs::read_to_string(scratch.path()).unwrap(),
            "left by an older version"
        );
        std::fs::remove_file(scratch.path()).unwrap();
        drop(FileLock::acquire(&scratch.path(), Duration::ZERO).unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(scratch.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_missing_directory_is_an_error_not_a_wait() {
        let scratch = Scratch::new("missing");
        let path = scratch.0.join("no-such-directory").join("x.lock");
        let started = Instant::now();
        match FileLock::acquire(&path, Duration::from_secs(10)) {
            Err(LockError::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::NotFound),
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
