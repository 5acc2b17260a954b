//! End-to-end tests of the `deckmedia` binary: real processes on a temp data dir, both providers
//! pointed at a fake OpenAI-compatible server running in the test's own runtime. One test
//! binary (one link step); each module is one area.

mod support;

mod anki;
mod bad_input;
mod control;
mod credits;
mod crash;
mod export;
mod failures;
mod happy_path;
mod keys;
mod pictures;
mod reliability;
mod slots;
mod wikimedia;
mod undo;
mod voices;
