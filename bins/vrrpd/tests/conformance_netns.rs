//! Conformance with keepalived 2.2.7 on the real-world corpus (root,
//! keepalived installed, the corpus next to the repository; else
//! `SKIPPED:`).
//!
//! Every file of the corpus (`shared/realworld` next to the repository, or
//! `/work/shared/realworld`) is copied with its scripts replaced by stubs
//! that exit 0, then run by keepalived (`--vrrp`) in one namespace and by
//! this build's vrrpd in another, each namespace holding the interfaces
//! the file names (veth pairs) with an address each and the instances'
//! source addresses. keepalived's effective settings are read from its
//! `-d` startup dump and its SIGUSR1 dump, vrrpd's from `vrrpd status`;
//! per instance the fields of [`conformance::fields::FIELDS`] are compared.
//! The set of differing (file, instance, field) must equal the deviations
//! listed in docs/conformance.md: a new difference fails, and so does a
//! listed one that went away. Four files run at a time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod conformance;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use conformance::fields::{self, FIELDS, Fields};
use conformance::{corpus, run};
use serde_json::Value;

/// Files run at once.
const PARALLEL: usize = 4;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus_dir() -> Option<PathBuf> {
    [
        repo().join("../shared/realworld"),
        PathBuf::from("/work/shared/realworld"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
}

/// (file, instance, field) → why, from the deviation table of
/// docs/conformance.md (the rows between the `deviations` markers).
fn documented() -> BTreeMap<(String, String, String), String> {
    let text = std::fs::read_to_string(repo().join("docs/conformance.md")).unwrap();
    let begin = text
        .find("<!-- deviations: begin -->")
        .expect("begin marker");
    let end = text.find("<!-- deviations: end -->").expect("end marker");
    text[begin..end]
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|-") && !l.starts_with("| file"))
        .filter_map(|l| {
            let c: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let strip = |s: &str| s.trim_matches('`').to_string();
            (c.len() >= 4).then(|| ((strip(c[0]), strip(c[1]), strip(c[2])), c[3].to_string()))
        })
        .collect()
}

/// One file's comparison.
struct Row {
    file: String,
    ka_starts: bool,
    vrrpd_starts: bool,
    instances: usize,
    identical: usize,
    /// (instance, field, keepalived's value, vrrpd's value).
    diffs: Vec<(String, String, String, String)>,
    logs: String,
    /// keepalived could not run on this host (not compared).
    host_failure: Option<&'static str>,
    /// `vrrp_script`s both daemons run, compared.
    scripts: usize,
}

fn compare(file: &str, out: &run::Outcome) -> Row {
    let ka_names: Vec<String> = match &out.ka_running {
        Some(r) if !r.instances.is_empty() => out
            .ka_start
            .instances
            .iter()
            .map(|b| b.name.clone())
            .collect(),
        _ => Vec::new(),
    };
    let vr: Vec<&Value> = out
        .vrrpd
        .as_ref()
        .and_then(|v| v["instances"].as_array())
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut names: Vec<String> = ka_names.clone();
    for i in &vr {
        let n = i["name"].as_str().unwrap_or("?").to_string();
        if !names.contains(&n) {
            names.push(n);
        }
    }
    if let Some(why) = out.ka_host_failure {
        return Row {
            file: file.to_string(),
            ka_starts: false,
            vrrpd_starts: !vr.is_empty(),
            instances: 0,
            identical: 0,
            diffs: Vec::new(),
            logs: out.logs.clone(),
            host_failure: Some(why),
            scripts: 0,
        };
    }
    let mut row = Row {
        file: file.to_string(),
        ka_starts: !ka_names.is_empty(),
        vrrpd_starts: !vr.is_empty(),
        instances: 0,
        identical: 0,
        diffs: Vec::new(),
        logs: out.logs.clone(),
        host_failure: None,
        scripts: 0,
    };
    // The vrrp_scripts: keyed as instance `vrrp_script NAME`, field `script`.
    if row.ka_starts && row.vrrpd_starts {
        let k = fields::scripts_of_keepalived(&out.ka_start);
        let v = out
            .vrrpd
            .as_ref()
            .map(fields::scripts_of_vrrpd)
            .unwrap_or_default();
        for n in k.keys().chain(v.keys()).collect::<BTreeSet<_>>() {
            let (a, b) = (
                k.get(n).cloned().unwrap_or_else(|| "absent".into()),
                v.get(n).cloned().unwrap_or_else(|| "absent".into()),
            );
            if k.contains_key(n) && v.contains_key(n) {
                row.scripts += 1;
            }
            if a != b {
                row.diffs
                    .push((format!("vrrp_script {n}"), "script".into(), a, b));
            }
        }
    }
    for n in names {
        let k: Option<Fields> = ka_names
            .contains(&n)
            .then(|| fields::from_keepalived(&out.ka_start, out.ka_running.as_ref(), &n))
            .flatten();
        let v: Option<Fields> = vr
            .iter()
            .find(|i| i["name"].as_str() == Some(n.as_str()))
            .map(|i| fields::from_vrrpd(i));
        match (k, v) {
            (Some(k), Some(v)) => {
                row.instances += 1;
                let before = row.diffs.len();
                for f in FIELDS {
                    let (a, b) = (
                        k.get(f).cloned().unwrap_or_default(),
                        v.get(f).cloned().unwrap_or_default(),
                    );
                    if a != b {
                        row.diffs.push((n.clone(), (*f).to_string(), a, b));
                    }
                }
                if row.diffs.len() == before {
                    row.identical += 1;
                }
            }
            (Some(_), None) => {
                row.diffs
                    .push((n, "presence".into(), "runs".into(), "absent".into()))
            }
            (None, Some(_)) => {
                row.diffs
                    .push((n, "presence".into(), "absent".into(), "runs".into()))
            }
            (None, None) => {}
        }
    }
    row
}

fn run_file(idx: usize, path: &Path, root: &Path) -> Row {
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let dir = root.join(format!("{idx:03}"));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let prep = corpus::prepare(&text, &dir);
    for n in 0..prep.stubs {
        let stub = dir.join(format!("stub-{n}"));
        std::fs::write(&stub, "#!/bin/sh\nexit 0\n").unwrap();
        common::shell(&format!("chmod 0755 {}", stub.display()));
    }
    // The copy keeps the file's name: keepalived and vrrpd report it.
    let conf = dir.join(&file);
    std::fs::write(&conf, &prep.text).unwrap();
    let out = run::run(&format!("cf-cf{idx:03}"), &prep, &conf, &dir);
    compare(&file, &out)
}

#[test]
fn corpus_settings_equal_keepalived() {
    if common::skip_netns_test(
        "corpus conformance",
        Some("VRRPD_CONFORMANCE"),
        "namespaces",
    ) {
        return;
    }
    if !common::have("keepalived") {
        eprintln!("SKIPPED: corpus conformance needs keepalived (2.2.7) on PATH");
        return;
    }
    let Some(corpus) = corpus_dir() else {
        eprintln!(
            "SKIPPED: corpus not found (shared/realworld next to the repository or /work/shared/realworld)"
        );
        println!("SKIPPED: corpus not found");
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file() && !matches!(p.extension().and_then(|e| e.to_str()), Some("tsv" | "md"))
        })
        .collect();
    files.sort();
    if let Ok(only) = std::env::var("CONFORMANCE_ONLY") {
        files.retain(|p| p.to_string_lossy().contains(&only));
    }
    // Not under /tmp: keepalived refuses scripts below a directory others
    // can write to when script security is on.
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("conformance");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let started = std::time::Instant::now();
    let next = AtomicUsize::new(0);
    let rows = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..PARALLEL {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(f) = files.get(i) else { break };
                    let row = run_file(i, f, &root);
                    rows.lock().unwrap().push(row);
                }
            });
        }
    });
    let mut rows = rows.into_inner().unwrap();
    rows.sort_by(|a, b| a.file.cmp(&b.file));
    let _ = std::fs::remove_dir_all(&root);

    println!(
        "{:<62} {:>3} {:>5} {:>5} {:>5}  differing fields",
        "file", "ka", "vrrpd", "inst", "same"
    );
    let mut found = BTreeMap::new();
    for r in &rows {
        let mut by_field: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (inst, f, a, b) in &r.diffs {
            by_field.entry(f.as_str()).or_default().push(inst.as_str());
            found.insert(
                (r.file.clone(), inst.clone(), f.clone()),
                (a.clone(), b.clone()),
            );
        }
        let yn = |b: bool| if b { "yes" } else { "no" };
        println!(
            "{:<62} {:>3} {:>5} {:>5} {:>5}  {}",
            r.file,
            yn(r.ka_starts),
            yn(r.vrrpd_starts),
            r.instances,
            r.identical,
            match r.host_failure {
                Some(why) => format!("not compared: keepalived cannot run here ({why})"),
                None => by_field
                    .iter()
                    .map(|(f, i)| format!("{f}({})", i.len()))
                    .collect::<Vec<_>>()
                    .join(" "),
            }
        );
    }
    let ka = rows.iter().filter(|r| r.ka_starts).count();
    let vr = rows.iter().filter(|r| r.vrrpd_starts).count();
    let inst: usize = rows.iter().map(|r| r.instances).sum();
    let same: usize = rows.iter().map(|r| r.identical).sum();
    let host = rows.iter().filter(|r| r.host_failure.is_some()).count();
    let scripts: usize = rows.iter().map(|r| r.scripts).sum();
    println!(
        "files: {}  keepalived starts: {ka}  vrrpd starts: {vr}  not comparable on this host: {host}  instances compared: {inst}  identical: {same}  vrrp_scripts compared: {scripts}  differing fields: {}  ({:.0} s)",
        rows.len(),
        found.len(),
        started.elapsed().as_secs_f64()
    );

    let documented = documented();
    let found_keys: BTreeSet<_> = found.keys().cloned().collect();
    let doc_keys: BTreeSet<_> = documented.keys().cloned().collect();
    let new: Vec<String> = found_keys
        .difference(&doc_keys)
        .map(|k| {
            let (a, b) = &found[k];
            let first_of_file = found_keys
                .range(..k.clone())
                .next_back()
                .is_none_or(|p| p.0 != k.0);
            let logs = rows
                .iter()
                .find(|r| r.file == k.0 && k.2 == "presence" && first_of_file)
                .map(|r| format!("\n{}", r.logs))
                .unwrap_or_default();
            format!(
                "| {} | {} | {} | keepalived `{a}`, vrrpd `{b}` |{logs}",
                k.0, k.1, k.2
            )
        })
        .collect();
    let gone: Vec<String> = doc_keys
        .difference(&found_keys)
        .map(|k| format!("| {} | {} | {} |", k.0, k.1, k.2))
        .collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "differences not in docs/conformance.md:\n{}\n\nlisted in docs/conformance.md but not found (remove them):\n{}",
        new.join("\n"),
        gone.join("\n")
    );
}
