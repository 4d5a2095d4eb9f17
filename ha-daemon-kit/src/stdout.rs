//! A command's output to stdout without a panic when the reader has gone
//! (`vrrpd --from-env --print | head`): std's `print!` panics on `EPIPE`, which a Rust
//! program gets instead of `SIGPIPE`.

use std::io::Write;

/// Writes `text` to stdout and flushes it. A reader that went away (broken pipe) is not an
/// error: the rest of the output was not wanted. Other write errors are returned.
pub fn print(text: &str) -> std::io::Result<()> {
    write_to(&mut std::io::stdout().lock(), text)
}

/// [`print`] to any writer.
fn write_to(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that fails after `room` bytes with the given error kind.
    struct Failing {
        room: usize,
        kind: std::io::ErrorKind,
    }

    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                return Err(self.kind.into());
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_ends_the_output_quietly_other_errors_do_not() {
        let mut gone = Failing {
            room: 3,
            kind: std::io::ErrorKind::BrokenPipe,
        };
        assert!(write_to(&mut gone, "more than three bytes").is_ok());
        let mut full = Failing {
            room: 3,
            kind: std::io::ErrorKind::StorageFull,
        };
        let err = write_to(&mut full, "more than three bytes").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::StorageFull);
        let mut fine = Vec::new();
        assert!(write_to(&mut fine, "all").is_ok());
        assert_eq!(fine, b"all");
    }
}
