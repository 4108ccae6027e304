//! Where file bytes come from: the [`Storage`] the endpoint opens files through,
//! and [`FileCache`], its file-system implementation.
//!
//! Small hot files (the iPXE binaries) are kept in memory and re-read when their
//! size or modification time changes; bigger files are read at offsets from an
//! open descriptor, never loaded whole. Owns no sockets and no policy about
//! which names are allowed (that is [`crate::path`]).

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::path::{self, PathError, RelPath};

/// An open file's bytes, readable at any offset.
#[derive(Debug, Clone)]
pub enum Blob {
    /// Whole file in memory (hot files, netascii conversions, tests).
    Memory(Arc<[u8]>),
    /// A file read at offsets as blocks are sent.
    File { file: Arc<File>, len: u64 },
}

impl Blob {
    pub fn len(&self) -> u64 {
        match self {
            Blob::Memory(b) => b.len() as u64,
            Blob::File { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Append up to `max` bytes from `offset` to `out`; fewer at end of file.
    pub fn read_at(&self, offset: u64, max: usize, out: &mut Vec<u8>) -> io::Result<()> {
        let end = offset.saturating_add(max as u64).min(self.len());
        let want = end.saturating_sub(offset) as usize;
        match self {
            Blob::Memory(b) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX).min(b.len());
                out.extend_from_slice(b.get(start..start + want).unwrap_or_default());
            }
            Blob::File { file, .. } => {
                let at = out.len();
                out.resize(at + want, 0);
                let mut done = 0;
                while done < want {
                    match file.read_at(&mut out[at + done..], offset + done as u64) {
                        // The file shrank under us; send what there is.
                        Ok(0) => break,
                        Ok(n) => done += n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            out.truncate(at);
                            return Err(e);
                        }
                    }
                }
                out.truncate(at + done);
            }
        }
        Ok(())
    }
}

/// Opens files for transfers by their already-normalized name.
pub trait Storage {
    fn open(&mut self, name: &RelPath) -> Result<Blob, PathError>;
}

/// Sizes that bound the in-memory cache.
#[derive(Debug, Clone, Copy)]
pub struct CacheLimits {
    /// Files up to this size are held in memory.
    pub hot_file_max: u64,
    /// Total bytes held in memory.
    pub total_max: u64,
}

struct Cached {
    len: u64,
    modified: Option<SystemTime>,
    bytes: Arc<[u8]>,
}

/// The served directory, with small files cached in memory.
pub struct FileCache {
    root: path::Root,
    limits: CacheLimits,
    hot: HashMap<PathBuf, Cached>,
    hot_bytes: u64,
}

impl FileCache {
    /// `root` must exist; it is canonicalized once so symlink checks compare
    /// real paths.
    pub fn new(root: &Path, trusted: &[PathBuf], limits: CacheLimits) -> io::Result<Self> {
        Ok(FileCache {
            root: path::Root::new(root, trusted)?,
            limits,
            hot: HashMap::new(),
            hot_bytes: 0,
        })
    }

    pub fn root(&self) -> &path::Root {
        &self.root
    }

    /// Bytes currently held in memory.
    pub fn cached_bytes(&self) -> u64 {
        self.hot_bytes
    }
}

impl Storage for FileCache {
    fn open(&mut self, name: &RelPath) -> Result<Blob, PathError> {
        let real = path::resolve(&self.root, name)?;
        let file = File::open(&real).map_err(|e| PathError::Io(e.to_string()))?;
        // Metadata from the open descriptor, so size and bytes belong together.
        let meta = file.metadata().map_err(|e| PathError::Io(e.to_string()))?;
        let (len, modified) = (meta.len(), meta.modified().ok());
        if len > self.limits.hot_file_max {
            return Ok(Blob::File {
                file: Arc::new(file),
                len,
            });
        }
        if let Some(c) = self.hot.get(&real) {
            if c.len == len && c.modified == modified {
                return Ok(Blob::Memory(c.bytes.clone()));
            }
        }
        let mut bytes = Vec::with_capacity(len as usize);
        Blob::File {
            file: Arc::new(file),
            len,
        }
        .read_at(0, len as usize, &mut bytes)
        .map_err(|e| PathError::Io(e.to_string()))?;
        let bytes: Arc<[u8]> = bytes.into();
        if let Some(old) = self.hot.remove(&real) {
            self.hot_bytes -= old.len;
        }
        // Simple bound, not LRU: a boot server's hot set is a handful of files,
        // so when it overflows, starting over is cheap and rare.
        if self.hot_bytes + len > self.limits.total_max {
            self.hot.clear();
            self.hot_bytes = 0;
        }
        if len <= self.limits.total_max {
            self.hot_bytes += len;
            self.hot.insert(
                real,
                Cached {
                    len,
                    modified,
                    bytes: bytes.clone(),
                },
            );
        }
        Ok(Blob::Memory(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(b: &Blob) -> Vec<u8> {
        let mut v = Vec::new();
        b.read_at(0, b.len() as usize, &mut v).unwrap();
        v
    }

    #[test]
    fn small_files_from_memory_refreshed_on_change_big_files_at_offsets() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("small"), b"version one").unwrap();
        std::fs::write(dir.path().join("big"), vec![7u8; 5000]).unwrap();
        let mut c = FileCache::new(
            dir.path(),
            &[],
            CacheLimits {
                hot_file_max: 1000,
                total_max: 4000,
            },
        )
        .unwrap();
        let small = path::normalize("small").unwrap();
        let b = c.open(&small).unwrap();
        assert!(matches!(b, Blob::Memory(_)));
        assert_eq!(read_all(&b), b"version one");
        assert_eq!(c.cached_bytes(), 11);

        // A changed file (different size) is re-read, not served stale.
        std::fs::write(dir.path().join("small"), b"version two!").unwrap();
        assert_eq!(read_all(&c.open(&small).unwrap()), b"version two!");
        assert_eq!(c.cached_bytes(), 12);

        let big = c.open(&path::normalize("big").unwrap()).unwrap();
        assert!(matches!(big, Blob::File { len: 5000, .. }));
        let mut v = Vec::new();
        big.read_at(4990, 512, &mut v).unwrap();
        assert_eq!(v, vec![7u8; 10]);
        v.clear();
        big.read_at(6000, 512, &mut v).unwrap();
        assert!(v.is_empty());
        assert_eq!(c.cached_bytes(), 12);
    }
}
