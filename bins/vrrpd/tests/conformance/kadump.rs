//! A parser of keepalived 2.2.7's VRRP state dump: the file its VRRP process
//! writes on SIGUSR1 (`keepalived.data` in `$TMPDIR`, `vrrp_print.c`
//! `vrrp_print_data`) and the same text logged at startup with `-d`
//! (`--dump-conf`; each line after the log's 26-character time stamp,
//! without the run-time lines such as the current state).
//!
//! Only the generic shape is parsed (`dump_vrrp` and `dump_sync_group` in
//! `vrrp_data.c`): a section starts with `------< NAME >------`, an instance
//! with ` VRRP Instance = NAME`, a sync group with ` VRRP Sync Group = NAME,
//! STATE`; within them, lines indented by three spaces are `Key = value`
//! (or `Key : value`) or a list header `Key :` / `Key (N):` whose entries
//! are the following lines indented by five spaces.

use std::collections::BTreeMap;

/// One `vrrp_instance` or `vrrp_sync_group` of the dump.
#[derive(Debug, Default, Clone)]
pub struct Block {
    /// Its name.
    pub name: String,
    /// `Key = value` lines (the last one wins).
    pub values: BTreeMap<String, String>,
    /// Lists by header (`Virtual IP`, `Tracked scripts`, `Unicast Peer`, ...).
    pub lists: BTreeMap<String, Vec<String>>,
}

impl Block {
    /// The value of `key`, if the dump printed it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// The entries under list header `key` (empty when absent).
    pub fn list(&self, key: &str) -> &[String] {
        self.lists.get(key).map_or(&[], Vec::as_slice)
    }
}

/// The VRRP part of a dump.
#[derive(Debug, Default, Clone)]
pub struct Dump {
    /// `VRRP Topology`, in the dump's order.
    pub instances: Vec<Block>,
    /// `VRRP Sync groups`.
    pub groups: Vec<Block>,
    /// `VRRP Scripts`.
    pub scripts: Vec<Block>,
}

impl Dump {
    /// The instance named `name`.
    pub fn instance(&self, name: &str) -> Option<&Block> {
        self.instances.iter().find(|b| b.name == name)
    }

    /// The sync group named `name`.
    pub fn group(&self, name: &str) -> Option<&Block> {
        self.groups.iter().find(|b| b.name == name)
    }
}

/// Parses the text of a `keepalived.data` file.
pub fn parse(text: &str) -> Dump {
    parse_lines(text.lines())
}

/// Parses the `-d` dump out of keepalived's console log (`-l`): the lines
/// with a `Www Mmm dd hh:mm:ss yyyy: ` prefix, prefix removed.
pub fn parse_log(text: &str) -> Dump {
    parse_lines(
        text.lines()
            .filter_map(|l| {
                let b = l.as_bytes();
                (b.len() >= 26 && &b[24..26] == b": " && l.is_char_boundary(26)).then(|| &l[26..])
            })
            // Every line of the dump is indented or a section header; the
            // other processes' messages (a state change, a script's result,
            // "Startup complete") can land between its lines and must not
            // end the list they interrupt.
            .filter(|t| t.starts_with(' ') || t.starts_with("------<")),
    )
}

#[derive(PartialEq)]
enum Section {
    Other,
    Topology,
    Groups,
    Scripts,
}

fn parse_lines<'a>(lines: impl Iterator<Item = &'a str>) -> Dump {
    let mut dump = Dump::default();
    let mut section = Section::Other;
    let mut current: Option<Block> = None;
    let mut list: Option<String> = None;
    let flush = |dump: &mut Dump, current: &mut Option<Block>, section: &Section| {
        if let Some(b) = current.take() {
            match section {
                Section::Topology => dump.instances.push(b),
                Section::Groups => dump.groups.push(b),
                Section::Scripts => dump.scripts.push(b),
                Section::Other => {}
            }
        }
    };
    for line in lines {
        if let Some(rest) = line.trim().strip_prefix("------<") {
            flush(&mut dump, &mut current, &section);
            list = None;
            section = match rest.trim_end_matches('-').trim_end_matches('>').trim() {
                "VRRP Topology" => Section::Topology,
                "VRRP Sync groups" => Section::Groups,
                "VRRP Scripts" => Section::Scripts,
                _ => Section::Other,
            };
            continue;
        }
        if section == Section::Other {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let text = line.trim();
        if indent == 1 {
            flush(&mut dump, &mut current, &section);
            list = None;
            let name = text
                .strip_prefix("VRRP Instance = ")
                .or_else(|| text.strip_prefix("VRRP Sync Group = "))
                .or_else(|| text.strip_prefix("VRRP Script = "))
                .map(|n| n.split(',').next().unwrap_or(n).trim().to_string());
            current = name.map(|name| Block {
                name,
                ..Block::default()
            });
            continue;
        }
        let Some(b) = current.as_mut() else { continue };
        if indent >= 5 {
            if let Some(k) = &list {
                b.lists.entry(k.clone()).or_default().push(text.to_string());
            }
            continue;
        }
        if let Some(head) = text.strip_suffix(':') {
            // `Virtual IP (2):` → `Virtual IP`.
            let head = match head.rfind(" (") {
                Some(i) if head.ends_with(')') => &head[..i],
                _ => head,
            };
            let k = head.trim().to_string();
            b.lists.entry(k.clone()).or_default();
            list = Some(k);
            continue;
        }
        list = None;
        if let Some((k, v)) = text.split_once(" = ").or_else(|| text.split_once(" : ")) {
            b.values.insert(k.trim().to_string(), v.trim().to_string());
        } else {
            b.values.insert(text.to_string(), String::new());
        }
    }
    flush(&mut dump, &mut current, &section);
    dump
}

/// The argv of a notify script as the dump prints it (`cmd_str`:
/// `'/path' 'arg', uid:gid 0:0`).
pub fn script_argv(v: &str) -> Vec<String> {
    let cmd = v.rsplit_once(", uid:gid").map_or(v, |(c, _)| c).trim();
    let cmd = cmd.strip_prefix('\'').unwrap_or(cmd);
    let cmd = cmd.strip_suffix('\'').unwrap_or(cmd);
    cmd.split("' '").map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "------< Global definitions >------
 Router ID = X
------< VRRP Topology >------
 VRRP Instance = VI_1
   VRRP Version = 2
   Sync group = G
   Flags:
     Using unicast
   Priority = 100
   Virtual IP (1):
     10.9.0.100/24 dev eth0 scope global label eth0:1
   Check unicast src : no
   Unicast Peer :
     10.9.0.2 min_ttl 0 max_ttl 255
   Tracked scripts :
     chk weight 0
   Master state transition script = '/usr/bin/true' 'm', uid:gid 0:0
------< VRRP Sync groups >------
 VRRP Sync Group = G, BACKUP
   VRRP member instances :
     VI_1
   Master state transition script = '/usr/bin/true' 'g', uid:gid 0:0
------< VRRP Scripts >------
 VRRP Script = chk
   Command = '/usr/bin/true'
   Interval = 1 sec
   Tracking instances :
     VI_1, weight 0
------< Interfaces >------
 Name = lo
";

    #[test]
    fn parses_instances_groups_lists_and_scripts() {
        let d = parse(SAMPLE);
        assert_eq!(d.instances.len(), 1);
        let i = d.instance("VI_1").unwrap();
        assert_eq!(i.get("Priority"), Some("100"));
        assert_eq!(i.get("Check unicast src"), Some("no"));
        assert_eq!(i.list("Flags"), ["Using unicast"]);
        assert_eq!(
            i.list("Virtual IP"),
            ["10.9.0.100/24 dev eth0 scope global label eth0:1"]
        );
        assert_eq!(i.list("Tracked scripts"), ["chk weight 0"]);
        assert_eq!(
            script_argv(i.get("Master state transition script").unwrap()),
            ["/usr/bin/true", "m"]
        );
        assert_eq!(
            d.group("G").unwrap().list("VRRP member instances"),
            ["VI_1"]
        );
        assert_eq!(d.scripts[0].get("Interval"), Some("1 sec"));
        assert_eq!(d.scripts[0].list("Tracking instances"), ["VI_1, weight 0"]);
    }

    #[test]
    fn parses_the_startup_log() {
        let log: String = SAMPLE
            .lines()
            .map(|l| format!("Sun Dec  6 21:49:54 2026: {l}\n"))
            .collect();
        let d = parse_log(&log);
        assert_eq!(d.instance("VI_1").unwrap().get("VRRP Version"), Some("2"));
    }

    #[test]
    fn messages_of_other_processes_inside_the_dump_are_skipped() {
        let log: String = SAMPLE
            .lines()
            .flat_map(|l| {
                let mut v = vec![format!("Sun Dec  6 21:49:54 2026: {l}\n")];
                if l.trim() == "Flags:" {
                    v.push("Sun Dec  6 21:49:54 2026: Startup complete\n".into());
                }
                v
            })
            .collect();
        let d = parse_log(&log);
        assert_eq!(d.instance("VI_1").unwrap().list("Flags"), ["Using unicast"]);
    }
}
