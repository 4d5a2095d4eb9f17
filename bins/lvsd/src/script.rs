//! Splitting a configured command line into argv, as keepalived does for
//! `notify_up`, `quorum_up`, `misc_path`, ... (`alloc_strvec_quoted_escaped`,
//! docs/keepalived.md §1.3 level 2): whitespace separates words; `"` and `'` quote;
//! quoted and unquoted text join into one word; backslash escapes `\a \b \E
//! \f \n \r \t \v`, `\nnn` (octal), `\xHH`, `\cC` and `\X` → `X`.

/// Splits `command` into words. Never fails: an unterminated quote runs to
/// the end of the line.
pub fn split_command(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = command.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (_, '\\') => {
                in_word = true;
                let Some(e) = chars.next() else {
                    word.push('\\');
                    break;
                };
                match e {
                    'a' => word.push('\x07'),
                    'b' => word.push('\x08'),
                    'E' => word.push('\x1b'),
                    'f' => word.push('\x0c'),
                    'n' => word.push('\n'),
                    'r' => word.push('\r'),
                    't' => word.push('\t'),
                    'v' => word.push('\x0b'),
                    '0'..='7' => {
                        let mut v = e.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            match chars.peek().and_then(|c| c.to_digit(8)) {
                                Some(d) => {
                                    v = v * 8 + d;
                                    chars.next();
                                }
                                None => break,
                            }
                        }
                        word.push(char::from_u32(v & 0xff).unwrap_or('?'));
                    }
                    'x' => {
                        let mut v = 0;
                        let mut n = 0;
                        while n < 2 {
                            match chars.peek().and_then(|c| c.to_digit(16)) {
                                Some(d) => {
                                    v = v * 16 + d;
                                    chars.next();
                                    n += 1;
                                }
                                None => break,
                            }
                        }
                        if n == 0 {
                            word.push('x');
                        } else {
                            word.push(char::from_u32(v).unwrap_or('?'));
                        }
                    }
                    'c' => match chars.next() {
                        Some(c) => word.push(char::from_u32(u32::from(c) & 0x1f).unwrap_or('?')),
                        None => word.push('c'),
                    },
                    other => word.push(other),
                }
            }
            (_, c) => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_quotes_and_escapes() {
        assert_eq!(split_command("/bin/x a  b"), ["/bin/x", "a", "b"]);
        assert_eq!(split_command(r#"ab"c d"e 'f g'"#), ["abc de", "f g"]);
        assert_eq!(split_command(r"a\ b \x41\101\t"), ["a b", "AA\t"]);
        assert_eq!(split_command("  "), Vec::<String>::new());
        assert_eq!(split_command(r#""""#), [""]);
        assert_eq!(split_command("\"unterminated x"), ["unterminated x"]);
    }
}
