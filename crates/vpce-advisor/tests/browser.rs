//! The HTML report in a real browser: headless Chromium loads the file, the
//! page logs nothing to the console (no script error, no blocked load: the
//! page's policy reports any attempt to reach outside the file), and the
//! figures read back from the DOM equal the JSON report's.
//!
//! Chromium is found as `$CHROMIUM`, `chromium`, `chromium-browser` or
//! `google-chrome`. Without one the tests say so and pass, unless
//! `VPCE_REQUIRE_BROWSER=1` (the test script sets it after installing
//! Debian's `chromium`).

#![allow(clippy::print_stderr)] // a skipped test says why

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use scraper::{Html, Selector};
use serde_json::Value;

fn chromium() -> Option<PathBuf> {
    let named = std::env::var_os("CHROMIUM").map(PathBuf::from);
    let candidates = named
        .into_iter()
        .chain(["chromium", "chromium-browser", "google-chrome"].map(PathBuf::from));
    for c in candidates {
        if Command::new(&c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(c);
        }
    }
    assert!(
        std::env::var("VPCE_REQUIRE_BROWSER").as_deref() != Ok("1"),
        "VPCE_REQUIRE_BROWSER=1 but no Chromium was found"
    );
    eprintln!("skipped: no Chromium (set CHROMIUM, or install Debian's chromium)");
    None
}

/// Where the browser's output goes, kept under target/ for a person to look at.
fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&dir).expect("target dir");
    dir
}

fn advisor(args: &[&str]) -> std::process::Output {
    let out = Command::cargo_bin("vpce-advisor")
        .expect("binary")
        .args(args)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The page after Chromium loaded it, and what the page logged.
fn load(browser: &Path, page: &Path, screenshot: Option<&Path>) -> (Html, Vec<String>) {
    let url = format!("file://{}", page.display());
    let profile = tempfile::tempdir().expect("profile dir");
    let base = |c: &mut Command| {
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()));
    };
    let mut dump = Command::new(browser);
    base(&mut dump);
    let out = dump.arg("--dump-dom").arg(&url).output().expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let console: Vec<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    if let Some(shot) = screenshot {
        let mut s = Command::new(browser);
        base(&mut s);
        let out = s
            .arg("--window-size=1280,2400")
            .arg(format!("--screenshot={}", shot.display()))
            .arg(&url)
            .output()
            .expect("chromium runs");
        assert!(
            out.status.success(),
            "screenshot: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            std::fs::metadata(shot).is_ok_and(|m| m.len() > 10_000),
            "no screenshot written"
        );
    }
    (Html::parse_document(&String::from_utf8_lossy(&out.stdout)), console)
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("selector")
}

/// The `data-value` of the element with `data-field = field` under `el`.
fn value(el: scraper::ElementRef<'_>, field: &str) -> String {
    let s = sel(&format!("[data-field=\"{field}\"]"));
    el.select(&s)
        .next()
        .unwrap_or_else(|| panic!("no {field} in {}", el.html()))
        .value()
        .attr("data-value")
        .unwrap_or_default()
        .to_string()
}

fn as_f64(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// Equal but for the last bit serde_json's fast float parser may lose.
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn the_demo_report_loads_cleanly_and_its_figures_equal_the_json() {
    let Some(browser) = chromium() else { return };
    let dir = out_dir();
    let page = dir.join("demo.html");
    advisor(&["demo", "--format", "html", "-o", page.to_str().expect("utf-8 path")]);
    let json: Value = serde_json::from_slice(&advisor(&["demo", "--format", "json"]).stdout).expect("json");

    let (dom, console) = load(&browser, &page, Some(&dir.join("demo.png")));
    assert!(console.is_empty(), "the page logged: {console:#?}");
    assert_eq!(dom.select(&sel("script")).count(), 0);

    let root = dom.root_element();
    assert_eq!(
        value(root, "totals.bytes_via_nat"),
        json["totals"]["bytes_via_nat"].to_string()
    );
    let savings: f64 = value(root, "costs.savings_if_all_applied_usd").parse().expect("number");
    let expected = as_f64(&json["costs"]["savings_if_all_applied_usd"]).expect("savings");
    assert!(same(savings, expected), "{savings} vs {expected}");
    assert_eq!(
        value(root, "costs.nat_still_needed"),
        json["costs"]["nat_still_needed"].to_string()
    );

    let rows: Vec<_> = dom.select(&sel("tr.svc")).collect();
    let services = json["services"].as_array().expect("services");
    assert_eq!(rows.len(), services.len());
    assert!(rows.len() >= 5, "the demo has several services");
    for (row, s) in rows.iter().zip(services) {
        let name = row.value().attr("data-service").unwrap_or_default();
        assert_eq!(name, s["service"].as_str().unwrap_or_default());
        assert_eq!(value(*row, "bytes_via_nat"), s["bytes_via_nat"].to_string(), "{name}");
        assert_eq!(value(*row, "query_count"), s["query_count"].to_string(), "{name}");
        let shown = value(*row, "monthly_savings_usd");
        match as_f64(&s["monthly_savings_usd"]) {
            Some(v) => assert!(shown.parse::<f64>().is_ok_and(|x| same(x, v)), "{name}: {shown} vs {v}"),
            None => assert_eq!(shown, "", "{name}"),
        }
        assert_eq!(
            value(*row, "recommendation"),
            s["recommendation"].as_str().unwrap_or_default(),
            "{name}"
        );
    }
    // The hourly chart draws the JSON's series: one column per hour with NAT bytes.
    let points = json["series"]["points"].as_u64().expect("the demo has a series");
    let drawn_hours = (0..points as usize)
        .filter(|i| {
            json["series"]["lines"]
                .as_array()
                .is_some_and(|ls| ls.iter().any(|l| l["bytes"][*i].as_u64().unwrap_or(0) > 0))
        })
        .count();
    assert!(drawn_hours >= 20, "the demo's 24 hours carry traffic: {drawn_hours}");
    let columns: std::collections::BTreeSet<String> = dom
        .select(&sel("#hourly svg rect"))
        .filter_map(|r| r.value().attr("x").map(str::to_string))
        .collect();
    assert_eq!(columns.len(), drawn_hours);
    let legend: Vec<String> = dom
        .select(&sel("#hourly .legend li"))
        .map(|l| l.text().collect())
        .collect();
    assert!(legend.iter().any(|l| l.starts_with("kinesis-streams")), "{legend:?}");
    // The ranking chart draws each service that saves, and only those.
    let saving = services
        .iter()
        .filter(|s| as_f64(&s["monthly_savings_usd"]).is_some_and(|v| v > 0.0))
        .count();
    assert_eq!(dom.select(&sel("#ranking svg g.bar")).count(), saving);
}

/// Puts `bad` into every string field a log or a reference file can reach.
fn poison(v: &mut Value, bad: &str) {
    match v {
        Value::String(s) => {
            s.push_str(bad);
        }
        Value::Array(a) => a.iter_mut().for_each(|x| poison(x, bad)),
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                // Enumerations keep their meaning; every free text is poisoned.
                if !matches!(k.as_str(), "recommendation" | "endpoint_types" | "severity") {
                    poison(x, bad);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn hostile_values_render_as_text_and_nothing_runs() {
    let Some(browser) = chromium() else { return };
    let dir = out_dir();
    let mut json: Value = serde_json::from_slice(&advisor(&["demo", "--format", "json"]).stdout).expect("json");
    let bad = "<script>console.log('x')</script><img src=x onerror=alert(1)>\"'&\u{1b}[31m";
    poison(&mut json, bad);
    let saved = dir.join("hostile.json");
    std::fs::write(&saved, serde_json::to_vec(&json).expect("json")).expect("write");
    let page = dir.join("hostile.html");
    advisor(&[
        "render",
        saved.to_str().expect("utf-8 path"),
        "--format",
        "html",
        "-o",
        page.to_str().expect("utf-8 path"),
    ]);

    let (dom, console) = load(&browser, &page, None);
    assert!(console.is_empty(), "the page logged: {console:#?}");
    assert_eq!(dom.select(&sel("script")).count(), 0, "a script element was injected");
    assert_eq!(dom.select(&sel("img")).count(), 0, "an img element was injected");
    let names: Vec<String> = dom
        .select(&sel("span.hostname"))
        .map(|e| e.text().collect::<String>())
        .collect();
    assert!(!names.is_empty());
    assert!(
        names.iter().all(|n| n.contains("<script>console.log('x')</script>")),
        "{names:?}"
    );
    let service = dom
        .select(&sel("tr.svc"))
        .next()
        .and_then(|r| r.value().attr("data-service").map(str::to_string))
        .unwrap_or_default();
    assert!(service.ends_with("onerror=alert(1)>\"'&\\u{1b}[31m"), "{service}");
}
