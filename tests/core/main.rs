//! The core's integration tests: one test binary (one link step), a module per area.
mod anki;
mod elevenlabs;
mod export;
mod fuzz;
mod import;
mod emoji;
mod network;
mod offline;
mod openai_provider;
mod states;
mod store;
mod support;
mod worker;
