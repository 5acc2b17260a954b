//! Child processes: the one way the app starts another program (`espeak-ng` for the offline
//! voice, the file manager from the desktop shell). Each starts with this process's environment
//! minus every variable that may hold a key (`DECKMEDIA_…KEY…`, see
//! [`crate::secrets::is_secret_var`]): a program we run has no business with the user's keys.
//!
//! It owns only the environment; arguments, pipes and waiting stay with the caller.

use std::ffi::OsStr;

/// An async command for `program` whose environment holds no key.
pub fn command(program: impl AsRef<OsStr>) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(program);
    for var in crate::secrets::scrub_env() {
        cmd.env_remove(var);
    }
    cmd
}

/// A blocking command for `program` whose environment holds no key.
pub fn std_command(program: impl AsRef<OsStr>) -> std::process::Command {
    let mut cmd = std::process::Command::new(program);
    for var in crate::secrets::scrub_env() {
        cmd.env_remove(var);
    }
    cmd
}
