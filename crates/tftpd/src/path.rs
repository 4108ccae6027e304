//! Mapping a requested name onto a file inside the served root — the one place
//! that decides whether a name is allowed. TFTP and HTTP both go through it.
//!
//! Two steps: [`normalize`] is pure (no file system) and refuses names that
//! could only be attacks (`..`, NUL and control bytes, over-long names);
//! [`resolve`] then follows symlinks and refuses anything whose real path is
//! not under the root — unless it is one of the root's few *trusted* targets
//! (Debian's `ipxe` package links `/usr/lib/ipxe/ipxe.efi` to `/boot/ipxe.efi`,
//! so the default root needs that one). Never opens or reads a file.

use std::io;
use std::path::{Component, Path, PathBuf};

/// Longest requested name accepted, in bytes. Boot file names are short; a
/// kilobyte of name is either a mistake or a probe.
pub const MAX_NAME_LEN: usize = 1024;

/// The served directory (canonical) and the exact real paths outside it that
/// symlinks inside it may lead to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    pub dir: PathBuf,
    pub trusted: Vec<PathBuf>,
}

impl Root {
    /// Canonicalize `dir` and the trusted targets (missing ones are dropped).
    pub fn new(dir: &Path, trusted: &[PathBuf]) -> io::Result<Root> {
        Ok(Root {
            dir: dir.canonicalize()?,
            trusted: trusted
                .iter()
                .filter_map(|t| t.canonicalize().ok())
                .collect(),
        })
    }
}

/// Why a requested name is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("name is empty")]
    Empty,
    #[error("name is longer than {MAX_NAME_LEN} bytes")]
    TooLong,
    #[error("name contains a NUL or control byte")]
    ControlByte,
    #[error("name contains '..'")]
    ParentDir,
    #[error("path leaves the served root")]
    OutsideRoot,
    #[error("not a regular file")]
    NotAFile,
    #[error("no such file")]
    NotFound,
    #[error("cannot read file: {0}")]
    Io(String),
}

/// A name that passed [`normalize`]: relative, only normal components.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RelPath(PathBuf);

impl RelPath {
    pub fn as_path(&self) -> &Path {
        &self.0
    }
}

/// Check a requested name without touching the file system. A leading `/`
/// means the served root (clients and DHCP boot-file names often carry one);
/// `\` is a separator too, as DOS-minded PXE stacks send it.
pub fn normalize(requested: &str) -> Result<RelPath, PathError> {
    if requested.len() > MAX_NAME_LEN {
        return Err(PathError::TooLong);
    }
    if requested.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(PathError::ControlByte);
    }
    let mut rel = PathBuf::new();
    for part in requested.split(['/', '\\']) {
        match part {
            "" | "." => continue,
            ".." => return Err(PathError::ParentDir),
            p => {
                // Belt and braces: a part must be one normal component.
                let mut comps = Path::new(p).components();
                match (comps.next(), comps.next()) {
                    (Some(Component::Normal(_)), None) => rel.push(p),
                    _ => return Err(PathError::ParentDir),
                }
            }
        }
    }
    if rel.as_os_str().is_empty() {
        return Err(PathError::Empty);
    }
    Ok(RelPath(rel))
}

/// The real path of `rel` under `root` (which must already be canonical),
/// refusing symlinks that lead outside it and anything but regular files.
pub fn resolve(root: &Root, rel: &RelPath) -> Result<PathBuf, PathError> {
    let real = root.dir.join(&rel.0).canonicalize().map_err(io_error)?;
    if !real.starts_with(&root.dir) && !root.trusted.contains(&real) {
        return Err(PathError::OutsideRoot);
    }
    let meta = std::fs::metadata(&real).map_err(io_error)?;
    if !meta.is_file() {
        return Err(PathError::NotAFile);
    }
    Ok(real)
}

/// Normalize and resolve in one step.
pub fn lookup(root: &Root, requested: &str) -> Result<PathBuf, PathError> {
    resolve(root, &normalize(requested)?)
}

fn io_error(e: io::Error) -> PathError {
    match e.kind() {
        // ENOTDIR: a file used as a directory, i.e. the name does not exist.
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => PathError::NotFound,
        _ => PathError::Io(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_refused_before_the_file_system() {
        let long = "a".repeat(MAX_NAME_LEN + 1);
        let table: &[(&str, PathError)] = &[
            ("", PathError::Empty),
            ("/", PathError::Empty),
            ("./", PathError::Empty),
            ("..", PathError::ParentDir),
            ("../etc/passwd", PathError::ParentDir),
            ("/../etc/passwd", PathError::ParentDir),
            ("a/../../etc/passwd", PathError::ParentDir),
            ("a/b/..", PathError::ParentDir),
            ("..\\..\\etc\\passwd", PathError::ParentDir),
            ("a\\..\\..\\x", PathError::ParentDir),
            ("file\0.efi", PathError::ControlByte),
            ("file\n", PathError::ControlByte),
            ("\x7f", PathError::ControlByte),
            (&long, PathError::TooLong),
        ];
        for (name, want) in table {
            assert_eq!(normalize(name).as_ref().err(), Some(want), "{name:?}");
        }
    }

    #[test]
    fn leading_slash_means_the_root() {
        let want = RelPath(PathBuf::from("pxelinux.cfg/default"));
        for name in [
            "pxelinux.cfg/default",
            "/pxelinux.cfg/default",
            "//pxelinux.cfg//default",
            "./pxelinux.cfg/./default",
            "\\pxelinux.cfg\\default",
        ] {
            assert_eq!(normalize(name), Ok(want.clone()), "{name}");
        }
        // Dots inside names are fine.
        assert!(normalize("..hidden").is_ok());
        assert!(normalize("a..b").is_ok());
    }

    #[test]
    fn symlinks_out_of_the_root_are_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), b"s").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("ok"), b"ok").unwrap();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), root.join("leak")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("leakdir")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.join("abs")).unwrap();
        std::os::unix::fs::symlink("ok", root.join("inside")).unwrap();

        let trusted = outside.path().join("trusted");
        std::fs::write(&trusted, b"t").unwrap();
        std::os::unix::fs::symlink(&trusted, root.join("vendor")).unwrap();
        let dir_root = root.clone();
        let root = Root::new(&dir_root, std::slice::from_ref(&trusted)).unwrap();
        // The one trusted target is served; everything else outside is not.
        assert_eq!(lookup(&root, "vendor"), Ok(trusted.canonicalize().unwrap()));
        let root_dir = &root.dir;
        assert_eq!(lookup(&root, "/ok"), Ok(root_dir.join("ok")));
        assert_eq!(lookup(&root, "inside"), Ok(root_dir.join("ok")));
        assert_eq!(lookup(&root, "leak"), Err(PathError::OutsideRoot));
        assert_eq!(lookup(&root, "leakdir/secret"), Err(PathError::OutsideRoot));
        assert_eq!(lookup(&root, "abs"), Err(PathError::OutsideRoot));
        assert_eq!(lookup(&root, "sub"), Err(PathError::NotAFile));
        assert_eq!(lookup(&root, "missing"), Err(PathError::NotFound));
        assert_eq!(lookup(&root, "ok/below"), Err(PathError::NotFound));
        assert_eq!(lookup(&root, "/etc/passwd"), Err(PathError::NotFound));
    }
}
