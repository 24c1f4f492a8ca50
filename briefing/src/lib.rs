//! Everything about the briefings the Head of Government's office receives: what
//! goes into one ([`content`]: cover, summary sentences, scorecard, pillar sections
//! with their charts, regions, annex), the archive of editions with the manifest of
//! what each was built from ([`edition`]), and typesetting the PDF with typst
//! ([`typeset`]).
//!
//! **Invariant:** an edition is identified by its inputs (the results file's SHA-256
//! and the renderer); the same inputs give the archived PDF again. `typeset` imports
//! nothing from md2030: the renderer only sees plain data.

pub mod content;
pub mod edition;
pub mod pack;
pub mod typeset;

pub use typeset::{Briefing, Chart, Error, Rendered, Section, Table, render, template_sha256};
