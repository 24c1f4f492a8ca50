//! When briefings are due: the monthly edition on the first working day of each
//! month (or a fixed day), and an edition some working days before each
//! Commission meeting, at a local time of day. Working days are Monday to Friday
//! outside Morocco's public holidays: the fixed civil holidays are built in, the
//! Islamic holidays (which move with the lunar calendar) and any others come from
//! the configuration.
//!
//! Pure: the current time is an argument.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};

use crate::config::{Monthly, Schedule};

/// Morocco's fixed-date public holidays (month, day, first year observed).
const FIXED_HOLIDAYS: [(u32, u32, i32); 11] = [
    (1, 1, 0),      // New Year's Day
    (1, 11, 0),     // Proclamation of Independence (1944)
    (1, 14, 2024),  // Amazigh New Year (Yennayer), a public holiday since 2024
    (5, 1, 0),      // Labour Day
    (7, 30, 0),     // Throne Day
    (8, 14, 0),     // Oued Ed-Dahab Day
    (8, 20, 0),     // Revolution of the King and the People
    (8, 21, 0),     // Youth Day
    (10, 31, 2025), // Unity Day (Eid al-Wahda), a public holiday since 2025
    (11, 6, 0),     // Green March
    (11, 18, 0),    // Independence Day
];

/// One occasion on which an edition is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// Stable name: `monthly:2026-12`, `meeting:2027-01-21`.
    pub id: String,
    /// When the edition is due.
    pub due_at: DateTime<Utc>,
    /// The local date the edition is dated (and computed as of).
    pub edition_date: NaiveDate,
}

/// True for Monday to Friday outside the built-in and configured holidays.
pub fn is_working_day(date: NaiveDate, holidays: &[NaiveDate]) -> bool {
    if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        return false;
    }
    let fixed = FIXED_HOLIDAYS
        .iter()
        .any(|&(m, d, since)| date.month() == m && date.day() == d && date.year() >= since);
    !fixed && !holidays.contains(&date)
}

/// The first working day of a month on or after `day`.
fn working_day_from(year: i32, month: u32, day: u32, holidays: &[NaiveDate]) -> Option<NaiveDate> {
    let mut date = NaiveDate::from_ymd_opt(year, month, day)?;
    while !is_working_day(date, holidays) {
        date = date.succ_opt()?;
    }
    Some(date)
}

/// The working day `n` working days before `date` (`n` = 0: `date` itself, or
/// the working day before it when `date` is not one).
pub fn working_days_before(date: NaiveDate, n: u32, holidays: &[NaiveDate]) -> Option<NaiveDate> {
    let mut day = date;
    while !is_working_day(day, holidays) {
        day = day.pred_opt()?;
    }
    for _ in 0..n {
        day = day.pred_opt()?;
        while !is_working_day(day, holidays) {
            day = day.pred_opt()?;
        }
    }
    Some(day)
}

impl Schedule {
    fn offset(&self) -> FixedOffset {
        FixedOffset::east_opt(self.utc_offset_minutes * 60)
            .unwrap_or(FixedOffset::east_opt(0).expect("0 is a valid offset"))
    }

    fn at(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        let time = NaiveTime::from_hms_opt(self.hour, self.minute, 0)?;
        let local = self.offset().from_local_datetime(&date.and_time(time)).single()?;
        Some(local.with_timezone(&Utc))
    }

    /// The local date at `now`.
    pub fn local_date(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.offset()).date_naive()
    }

    fn monthly_slot(&self, year: i32, month: u32) -> Option<Slot> {
        let date = match self.monthly {
            Monthly::Off => return None,
            Monthly::FirstWorkingDay => working_day_from(year, month, 1, &self.holidays)?,
            Monthly::Day(day) => working_day_from(year, month, day, &self.holidays)?,
        };
        Some(Slot {
            id: format!("monthly:{year:04}-{month:02}"),
            due_at: self.at(date)?,
            edition_date: date,
        })
    }

    fn meeting_slot(&self, meeting: NaiveDate) -> Option<Slot> {
        let date = working_days_before(meeting, self.days_before_meeting, &self.holidays)?;
        Some(Slot { id: format!("meeting:{meeting}"), due_at: self.at(date)?, edition_date: date })
    }

    /// Every slot from the month before `now` to twelve months after, in time order.
    fn slots_around(&self, now: DateTime<Utc>) -> Vec<Slot> {
        let today = self.local_date(now);
        let mut slots = Vec::new();
        let (mut year, mut month) = if today.month() == 1 {
            (today.year() - 1, 12)
        } else {
            (today.year(), today.month() - 1)
        };
        for _ in 0..14 {
            slots.extend(self.monthly_slot(year, month));
            (year, month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
        }
        slots.extend(self.meetings.iter().filter_map(|m| self.meeting_slot(*m)));
        slots.sort_by(|a, b| (a.due_at, &a.id).cmp(&(b.due_at, &b.id)));
        slots
    }

    /// Slots due at `now`: their time has come, and not more than
    /// `catch_up_days` ago (a server that was down catches up on the last
    /// occasions, never on a year of them).
    pub fn due(&self, now: DateTime<Utc>) -> Vec<Slot> {
        let window = Duration::days(i64::from(self.catch_up_days));
        self.slots_around(now)
            .into_iter()
            .filter(|s| s.due_at <= now && now - s.due_at <= window)
            .collect()
    }

    /// The next `n` slots after `now`.
    pub fn upcoming(&self, now: DateTime<Utc>, n: usize) -> Vec<Slot> {
        self.slots_around(now).into_iter().filter(|s| s.due_at > now).take(n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn schedule(monthly: Monthly, meetings: &[&str], holidays: &[&str]) -> Schedule {
        Schedule {
            monthly,
            hour: 8,
            minute: 0,
            utc_offset_minutes: 60,
            meetings: meetings.iter().map(|m| date(m)).collect(),
            days_before_meeting: 2,
            holidays: holidays.iter().map(|h| date(h)).collect(),
            catch_up_days: 7,
        }
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        // 2026-11-18 (Wednesday) is Independence Day; 2026-11-21 is a Saturday.
        assert!(!is_working_day(date("2026-11-18"), &[]));
        assert!(!is_working_day(date("2026-11-21"), &[]));
        assert!(is_working_day(date("2026-11-19"), &[]));
        // Yennayer (14 January) is a holiday from 2024 only: Friday 2022-01-14 is a
        // working day; Tuesday 2025-01-14 and Wednesday 2026-01-14 are not, while the
        // days around them (Monday 2025-01-13, Thursday 2026-01-15) are.
        assert!(is_working_day(date("2022-01-14"), &[]));
        assert!(!is_working_day(date("2025-01-14"), &[]));
        assert!(!is_working_day(date("2026-01-14"), &[]));
        assert!(is_working_day(date("2025-01-13"), &[]));
        assert!(is_working_day(date("2026-01-15"), &[]));
        // A configured (movable) holiday: Eid al-Fitr on Friday 2027-03-12 (say).
        assert!(!is_working_day(date("2027-03-12"), &[date("2027-03-12")]));
    }

    #[test]
    fn the_monthly_edition_falls_on_the_first_working_day() {
        let s = schedule(Monthly::FirstWorkingDay, &[], &[]);
        // December 2026: Tuesday the 1st. January 2027: Friday the 1st is New
        // Year's Day, the 2nd and 3rd a weekend, so Monday the 4th. August 2026:
        // Saturday the 1st, so Monday the 3rd.
        assert_eq!(s.monthly_slot(2026, 12).unwrap().edition_date, date("2026-12-01"));
        assert_eq!(s.monthly_slot(2027, 1).unwrap().edition_date, date("2027-01-04"));
        assert_eq!(s.monthly_slot(2026, 8).unwrap().edition_date, date("2026-08-03"));
        // 08:00 at UTC+01:00 is 07:00 UTC.
        assert_eq!(s.monthly_slot(2026, 12).unwrap().due_at, utc("2026-12-01T07:00:00Z"));
        // A fixed day: the 5th of May 2027 is a Wednesday.
        let s = schedule(Monthly::Day(5), &[], &[]);
        assert_eq!(s.monthly_slot(2027, 5).unwrap().edition_date, date("2027-05-05"));
    }

    #[test]
    fn meeting_editions_come_working_days_before() {
        // A meeting on Tuesday 2027-01-12: two working days before, skipping the
        // weekend and Monday the 11th (Proclamation of Independence), is Thursday
        // the 7th.
        let s = schedule(Monthly::Off, &["2027-01-12"], &[]);
        let slot = s.meeting_slot(date("2027-01-12")).unwrap();
        assert_eq!(
            (slot.id.as_str(), slot.edition_date),
            ("meeting:2027-01-12", date("2027-01-07"))
        );
    }

    #[test]
    fn due_slots_are_the_recent_past_ones_only() {
        let s = schedule(Monthly::FirstWorkingDay, &["2026-12-10"], &[]);
        // 06:59 UTC on 2026-12-01: December's edition is due at 07:00 UTC, not yet;
        // November's (Monday 2 November, 07:00 UTC) is 29 days old, beyond catch-up.
        assert_eq!(s.due(utc("2026-12-01T06:59:00Z")), vec![]);
        let due: Vec<String> =
            s.due(utc("2026-12-01T07:00:00Z")).into_iter().map(|s| s.id).collect();
        assert_eq!(due, vec!["monthly:2026-12"]);
        // On the 7th at noon both are in the window; the meeting edition (two
        // working days before Thursday the 10th: Tuesday the 8th) is not due yet.
        let due: Vec<String> =
            s.due(utc("2026-12-07T12:00:00Z")).into_iter().map(|s| s.id).collect();
        assert_eq!(due, vec!["monthly:2026-12"]);
        // On the 8th at noon the meeting edition is due; December's, 7 days and
        // 5 hours old, has left the 7-day catch-up window.
        let due: Vec<String> =
            s.due(utc("2026-12-08T12:00:00Z")).into_iter().map(|s| s.id).collect();
        assert_eq!(due, vec!["meeting:2026-12-10"]);
        let next: Vec<String> =
            s.upcoming(utc("2026-12-08T12:00:00Z"), 2).into_iter().map(|s| s.id).collect();
        assert_eq!(next, vec!["monthly:2027-01", "monthly:2027-02"]);
    }
}
