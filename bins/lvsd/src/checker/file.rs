//! FILE_CHECK (docs/keepalived.md §5.3): the tracked file holds an integer; value ×
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
        weight: Some(base.saturating_add(delta)),
        reason: String::new(),
    }
}

/// Reads the file and judges it: at most 127 bytes, opened non-blocking
/// (`keepalived_runtime::track_file::read_head`, as keepalived's track_file.c), so a FIFO
/// or /dev/zero in its place cannot stall lvsd's only thread.
pub fn check(f: &FileSpec, base: i64) -> Outcome {
    let head = keepalived_runtime::track_file::read_head(&f.path);
    judge(f, &String::from_utf8_lossy(&head), base)
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

    /// A FIFO with no writer in place of the file: the check returns at
    /// once (it blocked lvsd in open(2) before); /dev/zero costs 127 bytes.
    #[test]
    fn a_fifo_or_an_endless_file_does_not_block_the_check() {
        let dir = std::env::temp_dir().join(format!("lvsd-file-fifo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("weight");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let (tx, rx) = std::sync::mpsc::channel();
        let f = FileSpec {
            path: fifo.clone(),
            weight: 2,
            reverse: false,
        };
        std::thread::spawn(move || {
            let _ = tx.send(check(&f, 1));
        });
        let out = rx
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("FILE_CHECK on a FIFO did not return");
        assert_eq!(out.weight, Some(1), "a FIFO without writer reads as 0");
        let zero = FileSpec {
            path: "/dev/zero".into(),
            weight: 1,
            reverse: false,
        };
        assert_eq!(check(&zero, 1).weight, Some(1));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
