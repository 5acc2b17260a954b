//! Wake-ups across processes: a batch enqueued by the CLI while `deckmedia worker` (or the app)
//! runs starts at once instead of at the worker's next `PRAGMA data_version` poll.
//!
//! The worker binds a Unix datagram socket, `worker.wake` in the data dir (only the process that
//! holds the worker lock does, so removing a stale socket file is safe). Every `Core` action that
//! changes the queue sends it one empty datagram with [`poke`]: best effort, non-blocking, and
//! silent when no worker listens. The datagram carries nothing — the database stays the truth;
//! it only tells the worker to look now. The data-version poll stays as the fallback (a path
//! too long for a socket address, a platform without Unix sockets, a lost datagram).
//!
//! What it deliberately does not do: carry data, wake more than one worker, or fail an action.

use std::path::{Path, PathBuf};

/// The socket's file name inside the data dir.
pub const SOCKET_NAME: &str = "worker.wake";

/// The socket path for a data dir.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET_NAME)
}

/// Tells the data dir's worker, if one listens, to look at the queue now. Never blocks, never
/// fails: without a listener the datagram is simply dropped.
pub fn poke(data_dir: &Path) {
    imp::poke(&socket_path(data_dir));
}

/// The worker's end: bound while it lives, the socket file removed when dropped.
#[derive(Debug)]
pub struct Listener {
    inner: Option<imp::Bound>,
}

impl Listener {
    /// Binds the data dir's wake socket. Never fails: when it cannot bind, the worker goes on
    /// with the data-version poll alone (logged once).
    pub fn bind(data_dir: &Path) -> Listener {
        let path = socket_path(data_dir);
        match imp::Bound::bind(&path) {
            Ok(bound) => Listener { inner: Some(bound) },
            Err(e) => {
                tracing::info!(path = %path.display(), error = %e, "no wake-up socket; other processes' changes are seen by polling");
                Listener { inner: None }
            }
        }
    }

    /// Whether the socket is bound (wake-ups from other processes arrive at once).
    pub fn is_bound(&self) -> bool {
        self.inner.is_some()
    }

    /// Resolves when another process pokes; all wake-ups waiting are taken at once. Pending
    /// forever when the socket is not bound (or broke), so it can sit in a `select!`.
    /// Must be called within a tokio runtime.
    pub async fn woken(&mut self) {
        let ok = match &mut self.inner {
            Some(bound) => bound.recv().await,
            None => false,
        };
        if !ok {
            if let Some(bound) = self.inner.take() {
                tracing::warn!(path = %bound.path().display(), "the wake-up socket failed; falling back to polling");
            }
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(unix)]
mod imp {
    use std::os::unix::net::UnixDatagram;
    use std::path::{Path, PathBuf};

    pub fn poke(path: &Path) {
        // ENOENT / ECONNREFUSED (no worker), EAGAIN (the worker already has wake-ups waiting):
        // all mean there is nothing more to do.
        if let Ok(socket) = UnixDatagram::unbound() {
            let _ = socket.set_nonblocking(true);
            let _ = socket.send_to(&[], path);
        }
    }

    #[derive(Debug)]
    pub struct Bound {
        path: PathBuf,
        std: Option<UnixDatagram>,
        tokio: Option<tokio::net::UnixDatagram>,
    }

    impl Bound {
        pub fn bind(path: &Path) -> std::io::Result<Bound> {
            // A socket file left by a crashed worker: we hold the worker lock, so it is stale.
            match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            let socket = UnixDatagram::bind(path)?;
            socket.set_nonblocking(true)?;
            Ok(Bound { path: path.to_path_buf(), std: Some(socket), tokio: None })
        }

        pub fn path(&self) -> &Path {
            &self.path
        }

        /// Waits for a datagram and drains the others; `false` when the socket failed.
        pub async fn recv(&mut self) -> bool {
            if self.tokio.is_none() {
                // Registered with the reactor on first use, inside the worker's runtime.
                match self.std.take().map(tokio::net::UnixDatagram::from_std) {
                    Some(Ok(socket)) => self.tokio = Some(socket),
                    _ => return false,
                }
            }
            let Some(socket) = &self.tokio else { return false };
            let mut buf = [0u8; 16];
            if socket.recv(&mut buf).await.is_err() {
                return false;
            }
            while socket.try_recv(&mut buf).is_ok() {}
            true
        }
    }

    impl Drop for Bound {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(not(unix))]
mod imp {
    use std::path::{Path, PathBuf};

    pub fn poke(_path: &Path) {}

    #[derive(Debug)]
    pub struct Bound {
        path: PathBuf,
    }

    impl Bound {
        pub fn bind(_path: &Path) -> std::io::Result<Bound> {
            Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "no Unix datagram sockets on this platform"))
        }
        pub fn path(&self) -> &Path {
            &self.path
        }
        pub async fn recv(&mut self) -> bool {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_poke_from_anywhere_wakes_the_listener_and_without_one_is_harmless() {
        let dir = tempfile::tempdir().expect("tmp");
        poke(dir.path());
        let mut listener = Listener::bind(dir.path());
        assert!(listener.is_bound());
        poke(dir.path());
        poke(dir.path());
        tokio::time::timeout(Duration::from_secs(5), listener.woken()).await.expect("woken");
        // Both pokes were taken by the one wake-up.
        assert!(tokio::time::timeout(Duration::from_millis(20), listener.woken()).await.is_err());
        drop(listener);
        assert!(!socket_path(dir.path()).exists(), "the socket file goes with the listener");
        poke(dir.path());
    }

    #[tokio::test]
    async fn a_stale_socket_file_is_replaced() {
        let dir = tempfile::tempdir().expect("tmp");
        let first = Listener::bind(dir.path());
        std::mem::forget(first); // a crashed worker leaves its socket file behind
        let mut listener = Listener::bind(dir.path());
        assert!(listener.is_bound());
        poke(dir.path());
        tokio::time::timeout(Duration::from_secs(5), listener.woken()).await.expect("woken");
    }
}
