//! The core's integration tests: one test binary (one link step), a module per area.
mod anki;
mod elevenlabs;
mod export;
mod faults;
mod fuzz;
mod hygiene;
mod import;
mod emoji;
mod network;
mod offline;
mod scripted;
mod openai_provider;
mod store;
mod support;
mod worker;
mod worker_time;
