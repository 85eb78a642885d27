//! A lock between processes: a file created with `create_new` (only one
//! creator can succeed), removed when the holder is done.
//!
//! No `flock`: `File::lock` needs Rust 1.89 and the workspace builds on
//! 1.85. A lock file outlives a process that is killed while holding it, so
//! one older than [`Timing::stale_after`] is taken to be left over and
//! broken: holders keep it for one read-modify-rename, milliseconds.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// How long to wait for the lock, and when a lock file counts as left over.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// A lock file older than this is left over by a killed process.
    pub stale_after: Duration,
    /// How long to wait before giving up. Longer than `stale_after`, so
    /// that a left-over lock is broken before the wait ends.
    pub deadline: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            stale_after: Duration::from_secs(5),
            deadline: Duration::from_secs(10),
        }
    }
}

/// Why the lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another holder kept it past the deadline.
    Busy,
    /// The lock file could not be created or inspected.
    Io(io::Error),
}

/// A held lock; dropping it releases it.
#[derive(Debug)]
pub struct FileLock {
    path: PathBuf,
    /// What this holder wrote in the file, so that it never removes a
    /// lock someone else took after breaking this one as stale.
    stamp: String,
}

impl FileLock {
    /// Takes the lock file `path`, waiting (with short pauses) until it is
    /// free, broken as stale, or `timing.deadline` has passed.
    pub fn acquire(path: &Path, timing: Timing) -> Result<FileLock, LockError> {
        let started = Instant::now();
        let stamp = stamp();
        let mut pause = Duration::from_millis(2);
        loop {
            match create(path, &stamp) {
                Ok(()) => {
                    return Ok(FileLock {
                        path: path.to_owned(),
                        stamp,
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(LockError::Io(e)),
            }
            if is_stale(path, timing.stale_after) {
                break_stale(path).map_err(LockError::Io)?;
                continue;
            }
            if started.elapsed() >= timing.deadline {
                return Err(LockError::Busy);
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        if fs::read_to_string(&self.path).is_ok_and(|text| text == self.stamp) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// What identifies this holder: its process id and the time, to the nanosecond.
fn stamp() -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{} {nanos} {:?}", std::process::id(), std::thread::current().id())
}

/// Creates the lock file, failing with `AlreadyExists` if it is held.
fn create(path: &Path, stamp: &str) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(stamp.as_bytes())
}

/// Whether the lock file was last written more than `age` ago (a lock
/// dated in the future, or gone, is not stale).
fn is_stale(path: &Path, age: Duration) -> bool {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|modified| SystemTime::now().duration_since(modified).ok())
        .is_some_and(|elapsed| elapsed > age)
}

/// Removes a left-over lock file. It is renamed first, so that of several
/// processes breaking it at once only one succeeds; the others find it gone.
fn break_stale(path: &Path) -> io::Result<()> {
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".stale.{}", stamp().replace(' ', ".")));
    let aside = PathBuf::from(aside);
    match fs::rename(path, &aside) {
        Ok(()) => {
            log::warn!("removed the left-over lock file {}", path.display());
            fs::remove_file(&aside)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}
