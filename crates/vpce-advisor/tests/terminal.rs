//! The table in a real terminal: `demo` run inside tmux at 80 and 120
//! columns, its screen read back with wrapped lines joined. No table line may
//! be wider than the terminal (a wrapped row is what the fitting prevents);
//! `--wide` and a pipe keep every column.
//!
//! Without tmux the tests say so and pass, unless `VPCE_REQUIRE_TMUX=1`
//! (the test script sets it after installing Debian's `tmux`).

#![allow(clippy::print_stderr)] // a skipped test says why

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;

const DONE: &str = "__vpce_done__";

fn have_tmux() -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var("VPCE_REQUIRE_TMUX").as_deref() != Ok("1"),
        "VPCE_REQUIRE_TMUX=1 but tmux was not found"
    );
    if !ok {
        eprintln!("skipped: no tmux");
    }
    ok
}

/// What `args` print in a `cols`-wide tmux window, wrapped lines joined.
fn screen(cols: u16, args: &str) -> String {
    let bin: PathBuf = cargo_bin("vpce-advisor");
    let socket = format!("vpce-test-{}-{cols}-{}", std::process::id(), args.len());
    let tmux = |a: &[&str]| {
        Command::new("tmux")
            .args(["-L", &socket])
            .args(a)
            .output()
            .expect("tmux runs")
    };
    let cmd = format!("{} {args}; echo {DONE}; sleep 60", bin.display());
    let started = tmux(&["new-session", "-d", "-x", &cols.to_string(), "-y", "200", &cmd]);
    assert!(started.status.success(), "{}", String::from_utf8_lossy(&started.stderr));
    // Without a client attached, the session keeps the size it was made with.
    let deadline = Instant::now() + Duration::from_secs(180);
    let text = loop {
        let cap = tmux(&["capture-pane", "-p", "-J", "-S", "-", "-E", "-"]);
        let text = String::from_utf8_lossy(&cap.stdout).to_string();
        if text.contains(DONE) || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    tmux(&["kill-server"]);
    assert!(text.contains(DONE), "the command did not finish: {text}");
    text
}

fn is_table_line(l: &str) -> bool {
    l.starts_with(['┌', '│', '╞', '├', '└'])
}

/// The services table's lines (its borders and rows): the first table.
fn table_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    for l in text.lines() {
        let t = l.trim_end();
        if is_table_line(t) {
            lines.push(t);
        } else if !lines.is_empty() {
            break;
        }
    }
    lines
}

/// The lines of every table on the screen.
fn all_table_lines(text: &str) -> Vec<&str> {
    text.lines().map(str::trim_end).filter(|l| is_table_line(l)).collect()
}

fn widest(lines: &[&str]) -> usize {
    lines.iter().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[test]
fn the_table_fits_80_and_120_columns() {
    if !have_tmux() {
        return;
    }
    for cols in [80u16, 120] {
        let text = screen(cols, "demo");
        let table = table_lines(&text);
        assert!(table.len() > 10, "no table at {cols} columns: {text}");
        let every = all_table_lines(&text);
        assert!(every.len() > table.len(), "the demo has a second table");
        assert!(
            widest(&every) <= usize::from(cols),
            "{cols} columns:\n{}",
            every.join("\n")
        );
        for header in ["service", "GB via NAT", "savings/mo", "recommendation"] {
            assert!(table[1].contains(header), "{cols} columns lost {header}: {}", table[1]);
        }
        assert!(text.contains("columns left out to fit the terminal; --wide shows all"));
    }
}

#[test]
fn wide_keeps_every_column_in_a_terminal() {
    if !have_tmux() {
        return;
    }
    let text = screen(80, "demo --wide");
    let table = table_lines(&text);
    assert!(widest(&table) > 80, "--wide should not fit 80 columns");
    assert!(table[1].contains("endpoint service") && table[1].contains("supported"));
    assert!(!text.contains("columns left out"));
}

#[test]
fn a_pipe_gets_every_column() {
    let out = Command::new(cargo_bin("vpce-advisor"))
        .arg("demo")
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let table = table_lines(&text);
    assert!(table[1].contains("endpoint service") && table[1].contains("GB via endpoint"));
    assert!(!text.contains("columns left out"));
}
