//! The secretariat's judgment beside the computed status: the same four-level
//! scale for both, so that a judgment greener than the figures stands out (the
//! Australian implementation unit's "green" before the insulation deaths is the
//! warning every delivery unit cites).

use md2030_analytics::progress::ProgressStatus;
use md2030_store::steering::Rating;

/// A rating's level: red 0, amber-red 1, amber-green 2, green 3.
pub fn rating_level(rating: Rating) -> u8 {
    match rating {
        Rating::Red => 0,
        Rating::AmberRed => 1,
        Rating::AmberGreen => 2,
        Rating::Green => 3,
    }
}

/// The computed status on the same scale: deterioration or missed 0, limited
/// progress 1, needs acceleration 2, on track or achieved 3; `None` for a trend or
/// a status that cannot be judged (nothing to compare a rating with).
pub fn computed_level(status: ProgressStatus) -> Option<u8> {
    use ProgressStatus as S;
    match status {
        S::Deterioration | S::Missed => Some(0),
        S::LimitedProgress => Some(1),
        S::NeedsAcceleration => Some(2),
        S::OnTrack | S::Achieved => Some(3),
        _ => None,
    }
}

/// The judgment is greener than the computed status: flagged wherever shown.
pub fn greener(rating: Rating, computed: ProgressStatus) -> bool {
    computed_level(computed).is_some_and(|level| rating_level(rating) > level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rating_is_flagged_only_when_greener_than_a_judged_status() {
        use ProgressStatus as S;
        assert!(greener(Rating::AmberGreen, S::LimitedProgress));
        assert!(greener(Rating::AmberRed, S::Deterioration));
        assert!(!greener(Rating::AmberRed, S::LimitedProgress));
        assert!(!greener(Rating::Red, S::OnTrack));
        assert!(!greener(Rating::Green, S::OnTrack));
        // A trend is not a judgment against a target: nothing to flag.
        assert!(!greener(Rating::Green, S::Falling));
        assert!(!greener(Rating::Green, S::NotAssessable));
    }
}
