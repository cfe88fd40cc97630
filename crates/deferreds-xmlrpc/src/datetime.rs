//! `dateTime.iso8601`: a calendar date and a time of day, without a zone.

use std::fmt;
use std::str::FromStr;

use crate::error::ParseDateTimeError;

/// The value of a `<dateTime.iso8601>` element: a date and a time of day to the second.
///
/// XML-RPC carries no time zone; what the time means is agreed between the two ends (Python
/// sends local time). Fields are checked when the value is made: the month exists, the day
/// exists in that month (leap years included), the time is a real time of day.
///
/// [`Display`](fmt::Display) writes the form every implementation reads,
/// `YYYYMMDDTHH:MM:SS`. [`FromStr`] reads that form, the extended `YYYY-MM-DDTHH:MM:SS` and
/// the compact `YYYYMMDDTHHMMSS`; it refuses zones and fractions of a second rather than
/// dropping them.
///
/// ```
/// use deferreds_xmlrpc::DateTime;
///
/// let t: DateTime = "20001228T03:45:59".parse()?;
/// assert_eq!((t.year(), t.month(), t.day()), (2000, 12, 28));
/// assert_eq!(t, DateTime::new(2000, 12, 28, 3, 45, 59)?);
/// assert_eq!(t.to_string(), "20001228T03:45:59");
/// assert_eq!("2000-12-28T03:45:59".parse::<DateTime>()?, t);
/// assert!("20010229T00:00:00".parse::<DateTime>().is_err()); // not a leap year
/// # Ok::<(), deferreds_xmlrpc::ParseDateTimeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    // Field order is chronological order, so the derived `Ord` sorts by time.
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
}

impl DateTime {
    /// A date and time, checked: year 0–9999, a real month and day, hour 0–23,
    /// minute 0–59, second 0–59.
    pub fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Result<Self, ParseDateTimeError> {
        if year > 9999 {
            return Err(ParseDateTimeError::new("year beyond 9999"));
        }
        if !(1..=12).contains(&month) {
            return Err(ParseDateTimeError::new("month out of range"));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(ParseDateTimeError::new("day out of range for the month"));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(ParseDateTimeError::new("time of day out of range"));
        }
        Ok(Self { year, month, day, hour, minute, second })
    }

    /// The year, 0–9999.
    pub const fn year(&self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    pub const fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month, from 1.
    pub const fn day(&self) -> u8 {
        self.day
    }

    /// The hour, 0–23.
    pub const fn hour(&self) -> u8 {
        self.hour
    }

    /// The minute, 0–59.
    pub const fn minute(&self) -> u8 {
        self.minute
    }

    /// The second, 0–59.
    pub const fn second(&self) -> u8 {
        self.second
    }
}

const fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}{:02}{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

impl FromStr for DateTime {
    type Err = ParseDateTimeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        // Three layouts, told apart by length and separators; digits are checked below.
        let (date, time): ([usize; 3], [usize; 3]) = match b.len() {
            17 if b[8] == b'T' && b[11] == b':' && b[14] == b':' => ([0, 4, 6], [9, 12, 15]),
            19 if b[4] == b'-'
                && b[7] == b'-'
                && b[10] == b'T'
                && b[13] == b':'
                && b[16] == b':' =>
            {
                ([0, 5, 8], [11, 14, 17])
            }
            15 if b[8] == b'T' => ([0, 4, 6], [9, 11, 13]),
            _ => {
                return Err(ParseDateTimeError::new(
                    "expected YYYYMMDDTHH:MM:SS (no zone, no fraction)",
                ));
            }
        };
        let year = digits(b, date[0], 4)?;
        let month = digits(b, date[1], 2)?;
        let day = digits(b, date[2], 2)?;
        let hour = digits(b, time[0], 2)?;
        let minute = digits(b, time[1], 2)?;
        let second = digits(b, time[2], 2)?;
        // The narrowing casts cannot lose anything: at most four digits, two for the rest.
        Self::new(year, month as u8, day as u8, hour as u8, minute as u8, second as u8)
    }
}

fn digits(b: &[u8], at: usize, len: usize) -> Result<u16, ParseDateTimeError> {
    b[at..at + len].iter().try_fold(0u16, |acc, &c| {
        if c.is_ascii_digit() {
            Ok(acc * 10 + u16::from(c - b'0'))
        } else {
            Err(ParseDateTimeError::new("expected a digit"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_years_follow_the_gregorian_rule() {
        assert!(DateTime::new(2000, 2, 29, 0, 0, 0).is_ok());
        assert!(DateTime::new(2024, 2, 29, 0, 0, 0).is_ok());
        assert!(DateTime::new(1900, 2, 29, 0, 0, 0).is_err());
        assert!(DateTime::new(2023, 2, 29, 0, 0, 0).is_err());
        assert!(DateTime::new(2023, 4, 31, 0, 0, 0).is_err());
    }

    #[test]
    fn refuses_zones_fractions_and_junk() {
        for bad in [
            "20240102T03:04:05Z",
            "20240102T03:04:05+01:00",
            "20240102T03:04:05.123",
            "2024012T03:04:05",
            "2024x102T03:04:05",
            "20241302T03:04:05",
            "20240102T24:00:00",
            "20240102 03:04:05",
            "",
            "+0240102T03:04:05",
        ] {
            assert!(bad.parse::<DateTime>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn reads_three_layouts_and_writes_one() {
        let want = DateTime::new(1998, 7, 17, 14, 8, 55).unwrap();
        for s in ["19980717T14:08:55", "1998-07-17T14:08:55", "19980717T140855"] {
            assert_eq!(s.parse::<DateTime>().unwrap(), want);
        }
        assert_eq!(want.to_string(), "19980717T14:08:55");
        assert_eq!(DateTime::new(5, 1, 2, 3, 4, 5).unwrap().to_string(), "00050102T03:04:05");
    }

    #[test]
    fn orders_chronologically() {
        let a: DateTime = "19991231T23:59:59".parse().unwrap();
        let b: DateTime = "20000101T00:00:00".parse().unwrap();
        assert!(a < b);
    }
}
