//! Cross-crate tests: the real public files under ../shared/data/real go through the
//! connectors and the validation and come out with the figures their publishers
//! state.

#![allow(clippy::unwrap_used)]

mod boundaries;
mod layering;
mod plausibility;
mod real_data;
