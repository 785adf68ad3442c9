//! The HTML report of the wide fleet: `check --snapshot DIR --output-file html=PATH` once, its
//! size, and how long it takes to open in headless Chromium. The page's script writes, on
//! `<body>`, the time from navigation start to the end of its setup (`data-ready-ms`), to
//! `DOMContentLoaded` and to the load event; `--dump-dom` prints the DOM after load, so each
//! run gives those three figures. The wall time of the whole Chromium process, less that of the
//! same process on an empty page, is reported too.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::bench::{Bench, progress};
use crate::results::{HtmlResults, median};

/// Runs of Chromium on the page (after one warm-up run).
const OPEN_RUNS: usize = 5;

impl Bench {
    /// Writes the HTML report of the dump directory `dump` and measures it; `None` (and a line
    /// in `pending`) when there is no Chromium to open it with.
    pub fn html_report(
        &self,
        dump: &Path,
        pending: &mut Vec<String>,
    ) -> Result<Option<HtmlResults>, String> {
        let page = self.work.path().join("report.html");
        let mut args: Vec<OsString> = vec![
            "check".into(),
            "--snapshot".into(),
            dump.into(),
            "-o".into(),
            "json".into(),
            "--output-file".into(),
            format!("html={}", page.display()).into(),
            "--minio-path".into(),
            self.minio_path.clone().into(),
        ];
        args.extend(self.args.check_args.iter().map(OsString::from));
        let measured = self
            .measured(&self.binary, args)
            .run()
            .map_err(|e| format!("cannot run {}: {e}", self.binary.display()))?;
        let html = std::fs::read_to_string(&page).map_err(|e| {
            format!(
                "the HTML report was not written ({}): {e}\n{}",
                page.display(),
                String::from_utf8_lossy(&measured.stderr).trim()
            )
        })?;
        if let Some(keep) = &self.args.keep_html {
            std::fs::write(keep, &html).map_err(|e| format!("{}: {e}", keep.display()))?;
        }
        let bytes = html.len();
        let results = html.matches("<tr class=\"result\"").count();
        progress(&format!(
            "HTML report: {:.2} MB, {results} results, written in {:.3} s (with the check)",
            bytes as f64 / 1e6,
            measured.stats.wall_secs
        ));
        let Some(chromium) = chromium() else {
            pending.push(
                "HTML report open time: no chromium on the PATH (scripts/install-chromium)"
                    .to_string(),
            );
            return Ok(Some(HtmlResults {
                bytes,
                results,
                ..HtmlResults::default()
            }));
        };
        let empty = self.work.path().join("empty.html");
        std::fs::write(&empty, "<!DOCTYPE html><title>empty</title>")
            .map_err(|e| format!("{}: {e}", empty.display()))?;
        let mut ready = Vec::new();
        let mut dom_content_loaded = Vec::new();
        let mut load = Vec::new();
        let mut walls = Vec::new();
        let mut empty_walls = Vec::new();
        for run in 0..=OPEN_RUNS {
            let (dom, wall) = self.open(&chromium, &page)?;
            let (_, empty_wall) = self.open(&chromium, &empty)?;
            let figure = |name: &str| -> Result<f64, String> {
                attribute(&dom, name)
                    .ok_or_else(|| format!("the opened page has no {name} on its body"))
            };
            let (r, d, l) = (
                figure("data-ready-ms")?,
                figure("data-dom-content-loaded-ms")?,
                figure("data-load-ms")?,
            );
            progress(&format!(
                "HTML report in Chromium, {} {}: script ready {r:.0} ms, DOMContentLoaded \
                 {d:.0} ms, load {l:.0} ms; process {wall:.3} s (empty page {empty_wall:.3} s)",
                if run == 0 { "warm-up" } else { "run" },
                run + 1
            ));
            if run > 0 {
                ready.push(r);
                dom_content_loaded.push(d);
                load.push(l);
                walls.push(wall);
                empty_walls.push(empty_wall);
            }
        }
        Ok(Some(HtmlResults {
            bytes,
            results,
            chromium: Some(
                Command::new(&chromium)
                    .arg("--version")
                    .output()
                    .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                    .unwrap_or_default(),
            ),
            median_ready_ms: Some(median(&ready)),
            median_dom_content_loaded_ms: Some(median(&dom_content_loaded)),
            median_load_ms: Some(median(&load)),
            max_load_ms: load.iter().copied().reduce(f64::max),
            median_process_secs: Some(median(&walls)),
            median_empty_process_secs: Some(median(&empty_walls)),
        }))
    }

    /// Opens a page in headless Chromium (`--dump-dom`, nothing resolving): the DOM after load
    /// and the process's wall time in seconds.
    fn open(&self, chromium: &Path, page: &Path) -> Result<(String, f64), String> {
        let profile = self.work.path().join("chromium-profile");
        let started = Instant::now();
        let output = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("file://{}", page.display()))
            .output()
            .map_err(|e| format!("cannot run {}: {e}", chromium.display()))?;
        let wall = started.elapsed().as_secs_f64();
        if !output.status.success() {
            return Err(format!(
                "chromium failed on {} ({}): {}",
                page.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok((String::from_utf8_lossy(&output.stdout).into_owned(), wall))
    }
}

/// Chromium on the PATH.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file())
}

/// A number in an attribute of the dumped `<body>`: `data-ready-ms="123.4"`.
fn attribute(dom: &str, name: &str) -> Option<f64> {
    let body = &dom[dom.find("<body")?..];
    let body = &body[..body.find('>')?];
    let value = body.split_once(&format!("{name}=\""))?.1;
    value[..value.find('"')?].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_read_from_the_body() {
        let dom = "<html><head></head><body data-ready=\"true\" data-ready-ms=\"12.5\" \
                   data-load-ms=\"30.0\"><p data-load-ms=\"9\"></p></body></html>";
        assert_eq!(attribute(dom, "data-ready-ms"), Some(12.5));
        assert_eq!(attribute(dom, "data-load-ms"), Some(30.0));
        assert_eq!(attribute(dom, "data-dom-content-loaded-ms"), None);
    }
}
