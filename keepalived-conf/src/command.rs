//! Splitting a script command line into argv the way keepalived does, for
//! every daemon that runs the scripts of a configuration
//! (parser.c `alloc_strvec_quoted_escaped`, used by notify.c
//! `set_script_params_array`): words are separated by white space; `"…"` and
//! `'…'` group words; a backslash escapes the next character both outside and
//! inside quotes (`\n`, `\t`, `\a`, `\b`, `\E`, `\f`, `\r`, `\v`, octal
//! `\NNN`, hex `\xHH`, control `\cX`, anything else stands for itself). No
//! shell is involved: `$VAR`, globs, `;` and `|` reach the program literally.

/// Why a command line could not be split (keepalived then ignores the script).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SplitError {
    /// A quote is not closed.
    #[error("missing terminating {quote} in `{line}`")]
    UnmatchedQuote {
        /// The quote character.
        quote: char,
        /// The command line.
        line: String,
    },
    /// The line ends with a lone backslash.
    #[error("missing escape character at the end of `{line}`")]
    TrailingBackslash {
        /// The command line.
        line: String,
    },
    /// Nothing but white space.
    #[error("empty command")]
    Empty,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// Splits `line` into argv with keepalived's quoting and escaping rules.
pub fn split_command(line: &str) -> Result<Vec<String>, SplitError> {
    let chars: Vec<char> = line.chars().collect();
    let mut words = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        while chars.get(i).is_some_and(|&c| is_space(c)) {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        while let Some(&c) = chars.get(i) {
            match (c, quote) {
                ('\\', _) => {
                    i += 1;
                    let (ch, used) = escape(&chars[i..]).ok_or(SplitError::TrailingBackslash {
                        line: line.to_string(),
                    })?;
                    word.push(ch);
                    i += used;
                }
                (c, Some(q)) if c == q => {
                    quote = None;
                    i += 1;
                }
                (c, Some(_)) => {
                    word.push(c);
                    i += 1;
                }
                ('"' | '\'', None) => {
                    quote = Some(c);
                    i += 1;
                }
                (c, None) if is_space(c) => break,
                (c, None) => {
                    word.push(c);
                    i += 1;
                }
            }
        }
        if let Some(q) = quote {
            return Err(SplitError::UnmatchedQuote {
                quote: q,
                line: line.to_string(),
            });
        }
        words.push(word);
    }
    if words.is_empty() {
        return Err(SplitError::Empty);
    }
    Ok(words)
}

/// Splits a script as keepalived does when it comes from the configuration:
/// keepalived parses the configuration line once with quotes and escapes
/// (so the text inside `script "..."` loses one level of backslashes), then
/// splits that text again with [`split_command`]. `text` is the script's text
/// with the outer quotes already removed.
pub fn split_config_command(text: &str) -> Result<Vec<String>, SplitError> {
    let chars: Vec<char> = text.chars().collect();
    let mut once = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        if c != '\\' {
            once.push(c);
            continue;
        }
        let (ch, used) = escape(&chars[i..]).ok_or(SplitError::TrailingBackslash {
            line: text.to_string(),
        })?;
        once.push(ch);
        i += used;
    }
    split_command(&once)
}

/// The character an escape sequence (after the backslash) stands for and how
/// many characters it used; `None` at the end of the line.
fn escape(rest: &[char]) -> Option<(char, usize)> {
    let first = *rest.first()?;
    let byte = |v: u32| char::from_u32(v & 0xff).unwrap_or('\0');
    if first == 'x' && rest.get(1).is_some_and(char::is_ascii_hexdigit) {
        // keepalived keeps shifting while hex digits follow (into one char).
        let digits: Vec<u32> = rest[1..].iter().map_while(|c| c.to_digit(16)).collect();
        let v = digits.iter().fold(0u32, |a, d| (a << 4) | d);
        return Some((byte(v), 1 + digits.len()));
    }
    if first == 'c'
        && let Some(&c) = rest.get(1)
    {
        return Some((byte(u32::from(c) & 0x1f), 2));
    }
    if let Some(d) = first.to_digit(8) {
        let mut v = d;
        let mut used = 1;
        while used < 3 {
            match rest.get(used).and_then(|c| c.to_digit(8)) {
                Some(d) => {
                    v = (v << 3) + d;
                    used += 1;
                }
                None => break,
            }
        }
        return Some((byte(v), used));
    }
    let c = match first {
        'a' => '\x07',
        'b' => '\x08',
        'E' => '\x1b',
        'f' => '\x0c',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\x0b',
        other => other,
    };
    Some((c, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        split_command(s).unwrap()
    }

    #[test]
    fn white_space_separates_words() {
        assert_eq!(
            split("/bin/check  --fast\targ"),
            ["/bin/check", "--fast", "arg"]
        );
        assert_eq!(split("  /bin/x  "), ["/bin/x"]);
    }

    #[test]
    fn quotes_group_and_are_removed() {
        assert_eq!(
            split(r#"/bin/up.sh "a b" 'c  d' e"f g"h"#),
            ["/bin/up.sh", "a b", "c  d", "ef gh"]
        );
        // The other quote is literal inside a quoted part.
        assert_eq!(
            split(r#"x "it's" 'say "hi"'"#),
            ["x", "it's", r#"say "hi""#]
        );
        // An empty quoted word is a word.
        assert_eq!(split(r#"x "" y"#), ["x", "", "y"]);
    }

    #[test]
    fn backslash_escapes_everywhere() {
        assert_eq!(split(r"x a\ b"), ["x", "a b"]);
        assert_eq!(split(r#"x "a\"b" 'c\'d'"#), ["x", r#"a"b"#, "c'd"]);
        assert_eq!(split(r"x \\ \$HOME"), ["x", "\\", "$HOME"]);
        assert_eq!(split(r"x \t\n\E\101\x41\cA\q"), ["x", "\t\n\x1bAA\x01q"]);
        assert_eq!(split(r"x \0"), ["x", "\0"]);
    }

    #[test]
    fn shell_syntax_is_literal() {
        assert_eq!(
            split("sh -c 'exit 3' ; echo $HOME | cat *"),
            ["sh", "-c", "exit 3", ";", "echo", "$HOME", "|", "cat", "*"]
        );
    }

    #[test]
    fn config_text_loses_one_level_of_escapes_first() {
        // keepalived.conf `script "/bin/x 'a b' c\\ d \\\\t"`: the line parse turns
        // `\\` into `\`, the script split then escapes the space.
        assert_eq!(
            split_config_command(r"/bin/x 'a b' c\\ d \\\\t").unwrap(),
            ["/bin/x", "a b", "c d", "\\t"]
        );
        assert_eq!(split_config_command(r"/bin/x \t").unwrap(), ["/bin/x"]);
        assert!(split_config_command(r"/bin/x \").is_err());
    }

    #[test]
    fn errors() {
        assert!(matches!(
            split_command(r#"x "abc"#),
            Err(SplitError::UnmatchedQuote { quote: '"', .. })
        ));
        assert!(matches!(
            split_command("x 'abc"),
            Err(SplitError::UnmatchedQuote { quote: '\'', .. })
        ));
        assert!(matches!(
            split_command(r"x abc\"),
            Err(SplitError::TrailingBackslash { .. })
        ));
        assert_eq!(split_command("   "), Err(SplitError::Empty));
    }
}
