//! FILE_CHECK (reference §5.3): the tracked file holds an integer; value ×
//! weight (negated with `reverse`) is added to the real server's weight; with
//! weight 0 any non-zero value fails; a result at or below INT32_MIN puts the
//! server in fault. A missing or unreadable file counts as 0.

use super::Outcome;
use crate::model::FileSpec;

/// Judges the file's text for a server of configured weight `base`.
pub fn judge(f: &FileSpec, text: &str, base: i64) -> Outcome {
    let value: i64 = text
        .split_whitespace()
        .next()
        .and_then(|w| w.parse().ok())
        .unwrap_or(0);
    if f.weight == 0 {
        return if value == 0 {
            Outcome::pass()
        } else {
            Outcome::fail(format!("value {value}"))
        };
    }
    let mut delta = value.saturating_mul(f.weight);
    if f.reverse {
        delta = -delta;
    }
    if delta <= i64::from(i32::MIN) {
        return Outcome::fail(format!("value {value}: fault"));
    }
    Outcome {
        ok: true,
        weight: Some(base + delta),
        reason: String::new(),
    }
}

/// Reads the file and judges it.
pub fn check(f: &FileSpec, base: i64) -> Outcome {
    let text = std::fs::read_to_string(&f.path).unwrap_or_default();
    judge(f, &text, base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(weight: i64, reverse: bool) -> FileSpec {
        FileSpec {
            path: "/nonexistent".into(),
            weight,
            reverse,
        }
    }

    #[test]
    fn values_weights_and_faults() {
        assert_eq!(judge(&spec(3, false), "2\n", 1).weight, Some(7));
        assert_eq!(judge(&spec(3, true), "2", 10).weight, Some(4));
        assert!(judge(&spec(0, false), "0", 1).ok);
        assert!(!judge(&spec(0, false), "5", 1).ok);
        assert!(!judge(&spec(1, false), "-2147483648", 1).ok);
        assert_eq!(
            check(&spec(2, false), 1).weight,
            Some(1),
            "missing file = 0"
        );
    }
}
