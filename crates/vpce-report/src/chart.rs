//! Inline SVG charts for the HTML report: ranked bars and a stacked hourly
//! series. Every label is escaped; sizes are computed, never taken from input.

use std::fmt::Write as _;

use vpce_formats::time::{format_rfc3339, parse_rfc3339};
use vpce_model::{Series, SeriesLine};

use crate::html::esc;

/// Colours of the stacked services, in rank order; the last is `other`.
const PALETTE: [&str; 9] = [
    "#2f6fdf", "#e8833a", "#3aa657", "#c9423d", "#8a5cc2", "#8c6d31", "#d55fb5", "#2aa6b8", "#9a9a9a",
];

/// Services drawn apart in the stacked chart; the rest are summed.
const STACKED_SERVICES: usize = 8;

/// At most this many columns: longer windows are summed into wider steps.
const MAX_COLUMNS: usize = 336;

/// One bar of a ranked chart.
pub(crate) struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
    pub note: String,
}

/// Horizontal bars, longest first as given.
pub(crate) fn bars(rows: &[Bar]) -> String {
    let (label_w, bar_w, row_h) = (260.0, 420.0, 24.0);
    let max = rows.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let height = row_h * rows.len() as f64 + 8.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart bars\" role=\"img\" aria-label=\"ranked services\" viewBox=\"0 0 {} {height}\" \
width=\"100%\" preserveAspectRatio=\"xMinYMin meet\">",
        label_w + bar_w + 260.0
    );
    for (i, b) in rows.iter().enumerate() {
        let y = i as f64 * row_h + 4.0;
        let w = if max > 0.0 {
            (b.value / max * bar_w).max(1.0)
        } else {
            1.0
        };
        let _ = write!(
            s,
            "<g class=\"bar\"><title>{label}: {shown}</title>\
<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>\
<rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{bh}\" rx=\"3\"></rect>\
<text class=\"val\" x=\"{vx:.1}\" y=\"{ty}\">{shown} · {note}</text></g>",
            label = esc(&b.label),
            shown = esc(&b.shown),
            note = esc(&b.note),
            lx = label_w - 8.0,
            ty = y + row_h * 0.62,
            bh = row_h - 6.0,
            vx = label_w + w + 6.0,
        );
    }
    s.push_str("</svg>");
    s
}

/// One stacked band: a service's bytes per column (both directions).
struct Band {
    label: String,
    bytes: Vec<u64>,
}

/// Sums the series' lines per service (both directions) into the top
/// services and `other`, and the steps into at most [`MAX_COLUMNS`] columns.
fn bands(series: &Series) -> (Vec<Band>, usize) {
    let group = series.points.div_ceil(MAX_COLUMNS).max(1);
    let columns = series.points.div_ceil(group);
    let mut per_service: Vec<(String, Vec<u64>)> = Vec::new();
    for line in &series.lines {
        let label = line_label(line);
        let slot = match per_service.iter().position(|(l, _)| *l == label) {
            Some(i) => i,
            None => {
                per_service.push((label, vec![0; columns]));
                per_service.len() - 1
            }
        };
        for (i, b) in line.bytes.iter().enumerate().take(series.points) {
            let c = &mut per_service[slot].1[i / group];
            *c = c.saturating_add(*b);
        }
    }
    per_service.sort_by_key(|(l, b)| {
        (
            std::cmp::Reverse(b.iter().fold(0u64, |a, x| a.saturating_add(*x))),
            l.clone(),
        )
    });
    let mut out: Vec<Band> = Vec::new();
    let mut other = vec![0u64; columns];
    for (i, (label, bytes)) in per_service.into_iter().enumerate() {
        if i < STACKED_SERVICES && label != "other" {
            out.push(Band { label, bytes });
        } else {
            for (o, b) in other.iter_mut().zip(bytes) {
                *o = o.saturating_add(b);
            }
        }
    }
    if other.iter().any(|b| *b > 0) {
        out.push(Band {
            label: "other".into(),
            bytes: other,
        });
    }
    (out, group)
}

fn line_label(l: &SeriesLine) -> String {
    match &l.region {
        Some(r) if l.service != "other" => format!("{} ({r})", l.service),
        _ => l.service.clone(),
    }
}

/// A byte count for an axis label.
fn human(bytes: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KB", "MB", "GB", "TB", "PB"];
    let mut v = bytes;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if v >= 100.0 || u == 0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Stacked columns of NAT bytes per step, with a legend.
pub(crate) fn stacked(series: &Series) -> String {
    let (bands, group) = bands(series);
    let columns = bands.first().map_or(0, |b| b.bytes.len());
    let (left, top, plot_w, plot_h) = (70.0, 10.0, 860.0, 260.0);
    let col_w = plot_w / columns.max(1) as f64;
    let sums: Vec<u64> = (0..columns)
        .map(|c| bands.iter().fold(0u64, |a, b| a.saturating_add(b.bytes[c])))
        .collect();
    let max = sums.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = series.step_seconds.saturating_mul(group as u64);
    let start = parse_rfc3339(&series.start);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart stacked\" role=\"img\" aria-label=\"NAT bytes per hour per service\" \
viewBox=\"0 0 {} {}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\">",
        left + plot_w + 10.0,
        top + plot_h + 40.0
    );
    for frac in [0.0, 0.5, 1.0] {
        let y = top + plot_h - frac * plot_h;
        let _ = write!(
            s,
            "<line class=\"grid\" x1=\"{left}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\"></line>\
<text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            left + plot_w,
            left - 6.0,
            y + 4.0,
            human(max * frac)
        );
    }
    for c in 0..columns {
        let mut y = top + plot_h;
        let when = start.map(|t| format_rfc3339(t.saturating_add((c as u64 * step) as i64)));
        for (i, b) in bands.iter().enumerate() {
            let v = b.bytes[c];
            if v == 0 {
                continue;
            }
            let h = v as f64 / max * plot_h;
            y -= h;
            let _ = write!(
                s,
                "<rect x=\"{:.2}\" y=\"{y:.2}\" width=\"{:.2}\" height=\"{h:.2}\" fill=\"{}\"><title>{}{}: {}</title></rect>",
                left + c as f64 * col_w,
                (col_w - 0.5).max(0.5),
                colour(i, &b.label),
                when.as_deref().map(|w| format!("{w} ")).unwrap_or_default(),
                esc(&b.label),
                human(v as f64)
            );
        }
    }
    axis_times(&mut s, start, step, columns, (left, top + plot_h, col_w));
    s.push_str("</svg><ul class=\"legend\">");
    for (i, b) in bands.iter().enumerate() {
        let _ = write!(
            s,
            "<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>",
            colour(i, &b.label),
            esc(&b.label)
        );
    }
    let _ = write!(
        s,
        "</ul><p class=\"note\">Each column is {} of NAT traffic, both directions, from the start of each flow record.</p>",
        if step % 3600 == 0 {
            format!("{} h", step / 3600)
        } else {
            format!("{step} s")
        }
    );
    s
}

fn colour(i: usize, label: &str) -> &'static str {
    if label == "other" {
        PALETTE[PALETTE.len() - 1]
    } else {
        PALETTE[i % (PALETTE.len() - 1)]
    }
}

/// Time labels under the first, middle and last column.
fn axis_times(s: &mut String, start: Option<i64>, step: u64, columns: usize, (left, base, col_w): (f64, f64, f64)) {
    let Some(start) = start else { return };
    if columns == 0 {
        return;
    }
    let mut marks = vec![0, columns / 2, columns - 1];
    marks.dedup();
    for c in marks {
        let t = format_rfc3339(start.saturating_add((c as u64).saturating_mul(step) as i64));
        // Date and hour, UTC; the outer labels align to the plot's edges.
        let (x, anchor) = if c == 0 {
            (left, "start")
        } else if c == columns - 1 {
            (left + columns as f64 * col_w, "end")
        } else {
            (left + (c as f64 + 0.5) * col_w, "middle")
        };
        let _ = write!(
            s,
            "<text class=\"axis\" x=\"{x:.1}\" y=\"{}\" text-anchor=\"{anchor}\">{} UTC</text>",
            base + 18.0,
            esc(&t.get(..16).unwrap_or(&t).replace('T', " "))
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(service: &str, direction: &str, bytes: Vec<u64>) -> SeriesLine {
        SeriesLine {
            service: service.into(),
            region: Some("eu-west-1".into()),
            direction: direction.into(),
            bytes,
        }
    }

    #[test]
    fn directions_of_a_service_stack_as_one_band_and_the_tail_is_other() {
        let mut lines = vec![line("s3", "egress", vec![1, 2]), line("s3", "ingress", vec![10, 20])];
        for i in 0..10 {
            lines.push(line(&format!("svc{i}"), "egress", vec![0, 1]));
        }
        let series = Series {
            start: "2026-11-01T00:00:00Z".into(),
            step_seconds: 3600,
            points: 2,
            lines,
        };
        let (bands, group) = bands(&series);
        assert_eq!(group, 1);
        assert_eq!(bands[0].label, "s3 (eu-west-1)");
        assert_eq!(bands[0].bytes, vec![11, 22]);
        assert_eq!(bands.len(), STACKED_SERVICES + 1);
        let other = bands.last().map(|b| (b.label.as_str(), b.bytes.clone()));
        assert_eq!(other, Some(("other", vec![0, 3])));
        let total: u64 = bands.iter().flat_map(|b| b.bytes.iter()).sum();
        assert_eq!(total, 33 + 10);
    }

    #[test]
    fn long_windows_are_summed_into_wider_columns() {
        let series = Series {
            start: "2026-11-01T00:00:00Z".into(),
            step_seconds: 3600,
            points: 1000,
            lines: vec![line("s3", "egress", vec![1; 1000])],
        };
        let (bands, group) = bands(&series);
        assert_eq!(group, 3);
        assert_eq!(bands[0].bytes.len(), 334);
        assert_eq!(bands[0].bytes.iter().sum::<u64>(), 1000);
        assert!(stacked(&series).contains("Each column is 3 h"));
    }

    #[test]
    fn labels_are_escaped_in_the_svg() {
        let series = Series {
            start: "2026-11-01T00:00:00Z".into(),
            step_seconds: 3600,
            points: 1,
            lines: vec![line("<script>x</script>", "egress", vec![5])],
        };
        let svg = stacked(&series);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
    }
}
