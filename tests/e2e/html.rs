//! The HTML report (`-o html`): every text escaped, nothing loaded from anywhere (checked in
//! the markup and in a real headless Chromium's network log), and a screenshot that shows the
//! page rendered. Chromium comes from the distribution's packages (`scripts/install-chromium`,
//! which the browser tests run first); when it cannot be installed they fail, saying so.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::{acp, copy_tree, fixture, repo};

/// `check --snapshot DIR -o html ARGS`: the page, after checking the exit code is a verdict's.
fn html_of(dir: &Path, args: &[&str]) -> String {
    let mut all = vec![
        "check",
        "--snapshot",
        dir.to_str().expect("path"),
        "-o",
        "html",
    ];
    all.extend(args);
    let run = acp(&all);
    assert!(matches!(run.code, 0 | 3 | 4 | 5), "{}", run.stderr);
    assert!(run.stdout.starts_with("<!DOCTYPE html>"), "{}", run.stdout);
    run.stdout
}

/// `plan --output-file html=FILE` adds the plan to the page: its steps, the held-back clusters
/// with their reasons and its verdict, in the page's language; `check`'s page has no plan.
#[test]
fn the_plan_s_page_shows_the_plan() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let snapshot = fixture("not-ready-4.1").display().to_string();
    // (language, what the plan section says)
    let cases: [(&str, &[&str]); 2] = [
        (
            "en",
            &[
                "Upgrade plan: workload clusters in waves of at most 20",
                "Upgrade the global cluster global: HELD BACK (see below)",
                "Held back (3)",
                "<b>prod-2</b> (workload)",
                "BLOCKED: fix the failed blockers",
            ],
        ),
        (
            "ru",
            &[
                "План обновления: рабочие кластеры волнами не более чем по 20",
                "Обновите глобальный кластер global: ОТЛОЖЕН (см. ниже)",
                "Отложены (3)",
                "ЗАБЛОКИРОВАНО",
            ],
        ),
    ];
    for (lang, says) in cases {
        let file = tmp.path().join(format!("plan-{lang}.html"));
        let output = format!("html={}", file.display());
        let run = acp(&[
            "plan",
            "--lang",
            lang,
            "--snapshot",
            &snapshot,
            "--output-file",
            &output,
        ]);
        assert_eq!(run.code, 3, "{}", run.stderr);
        let html = std::fs::read_to_string(&file).expect("the page");
        assert_eq!(html.matches("<section id=\"plan\">").count(), 1, "{lang}");
        for text in says {
            assert!(html.contains(text), "{lang}: no {text:?}");
        }
        // The reasons a cluster is held back are the report's results.
        assert!(html.contains("<code>KafkaKRaftMode</code>"), "{lang}");
    }
    let check = html_of(&fixture("not-ready-4.1"), &[]);
    assert!(!check.contains("<section id=\"plan\">"));
}

#[test]
fn every_text_of_the_report_is_escaped() {
    // A ResourcePatch named like markup: its name is in a message, an observed value and a
    // tooltip of the report.
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("not-ready-4.1");
    copy_tree(&fixture("not-ready-4.1"), &dir, &[]);
    let file = dir.join("global/resourcepatches.json");
    let text = std::fs::read_to_string(&file).expect("resourcepatches.json");
    let hostile = r#"<script>alert('x')</script>&\"q"#;
    assert!(text.contains("\"name\": \"apollo-replicas\""));
    std::fs::write(
        &file,
        text.replace(
            "\"name\": \"apollo-replicas\"",
            &format!("\"name\": \"{hostile}\""),
        ),
    )
    .expect("write");
    let html = html_of(&dir, &[]);
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(!html.contains("alert('x')"), "unescaped text");
    let escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;q";
    // In the problems, the tooltip of the matrix and the list of every result.
    assert!(html.matches(escaped).count() >= 3, "{html}");
}

/// The tags of a page: `(name, attributes as written)`; every text of the report is escaped,
/// so a `<` always opens a tag and no attribute value holds a `>`.
fn tags(html: &str) -> Vec<(String, String)> {
    html.split('<')
        .skip(1)
        .filter_map(|rest| {
            let inside = &rest[..rest.find('>')?];
            if inside.starts_with('!') || inside.starts_with('/') {
                return None;
            }
            let name: String = inside
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            Some((name.to_ascii_lowercase(), inside[name.len()..].to_string()))
        })
        .collect()
}

/// `(attribute, value)` pairs of a tag's attributes (values in double quotes).
fn attributes(attrs: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = attrs.trim();
    while !rest.is_empty() {
        let name_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_ascii_lowercase();
        rest = &rest[name_end..];
        let value = if let Some(after) = rest.strip_prefix("=\"") {
            let end = after.find('"').expect("a closing quote");
            rest = &after[end + 1..];
            after[..end].to_string()
        } else {
            String::new()
        };
        out.push((name, value));
        rest = rest.trim_start();
    }
    out
}

/// What in a page could make the browser fetch something; empty when nothing can.
fn loads(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (name, attrs) in tags(html) {
        if [
            "link", "img", "iframe", "object", "embed", "video", "audio", "source", "base",
            "frame", "track",
        ]
        .contains(&name.as_str())
        {
            found.push(format!("<{name}{attrs}>"));
        }
        for (attr, value) in attributes(&attrs) {
            let url =
                value.contains("http://") || value.contains("https://") || value.contains("//");
            let allowed = match attr.as_str() {
                // A link is followed only when clicked.
                "href" => name == "a",
                // Tooltips and data are text.
                "title" | "class" | "id" | "lang" | "name" | "value" | "type" | "charset"
                | "hidden" | "checked" | "content" | "http-equiv" => true,
                a if a.starts_with("data-") => true,
                _ => false,
            };
            if !allowed || (url && attr != "href" && attr != "title") {
                found.push(format!("<{name} {attr}=\"{value}\">"));
            }
            if name == "meta" && attr == "http-equiv" && value.eq_ignore_ascii_case("refresh") {
                found.push("<meta http-equiv=refresh>".to_string());
            }
        }
    }
    // Inline style and script fetch nothing either.
    for (open, close) in [("<style>", "</style>"), ("<script>", "</script>")] {
        for block in html.split(open).skip(1) {
            let block = &block[..block.find(close).expect(close)];
            for word in [
                "url(",
                "@import",
                "http:",
                "https:",
                "//",
                "fetch(",
                "XMLHttpRequest",
                "import(",
                "WebSocket",
                "EventSource",
                "sendBeacon",
                ".src",
            ] {
                if word == "//" && open == "<script>" {
                    continue;
                }
                if block.contains(word) {
                    found.push(format!("{open}…{word}…"));
                }
            }
        }
    }
    found
}

#[test]
fn no_page_of_a_fixture_loads_anything() {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("fixtures"))
        .expect("fixtures")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("global").is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    names.sort();
    for name in names {
        let args = crate::snapshots::check_args(&name);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let html = html_of(&fixture(&name), &args);
        assert_eq!(loads(&html), Vec::<String>::new(), "{name}");
        assert!(
            html.contains("content=\"default-src 'none';"),
            "{name}: the policy that forbids every request"
        );
        // Its docs are links (anchors), which is fine.
        assert!(html.contains("<a href=\"https://"), "{name}");
    }
    // The check does find what loads.
    let bad = "<html><link rel=\"stylesheet\" href=\"https://cdn.example.com/a.css\">\
               <style>body{background:url(x.png)}</style><div style=\"a\"></div>";
    assert_eq!(loads(bad).len(), 5, "{:?}", loads(bad));
}

/// The Chromium binary, installed by `scripts/install-chromium` if need be (once per run).
fn chromium() -> PathBuf {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let script = repo().join("scripts/install-chromium");
        let output = Command::new("bash")
            .arg(&script)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        eprint!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if !output.status.success() {
            return Err(format!(
                "scripts/install-chromium failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .map(|dir| dir.join("chromium"))
            .find(|p| p.is_file())
            .ok_or_else(|| "chromium is not on the PATH after scripts/install-chromium".into())
    });
    match found {
        Ok(path) => path.clone(),
        Err(why) => panic!(
            "the HTML report's browser tests need Chromium, which could not be installed: {why}\n\
             Install the distribution's `chromium` package (apt-get install chromium) and run \
             the tests again."
        ),
    }
}

/// Headless Chromium with these arguments, then the page; its standard output.
fn run_chromium(args: &[String], page: &Path, profile: &Path) -> String {
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--no-pings",
            "--disable-domain-reliability",
            "--disable-client-side-phishing-detection",
            "--disable-features=NetworkTimeServiceQuerying,SpellCheck,Translate,OptimizationHints,MediaRouter",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .output()
        .expect("run chromium");
    assert!(
        output.status.success(),
        "chromium failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The not-ready-4.1 page, written in `dir`.
fn not_ready_page(dir: &Path) -> PathBuf {
    let page = dir.join("not-ready-4.1.html");
    std::fs::write(&page, html_of(&fixture("not-ready-4.1"), &[])).expect("write the page");
    page
}

/// A decoded PNG: width, height and its pixels as RGBA.
struct Png {
    width: u32,
    height: u32,
    pixels: Vec<[u8; 4]>,
}

/// Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes).
fn decode_png(bytes: &[u8]) -> Png {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let mut at = 8;
    let (mut width, mut height, mut channels) = (0u32, 0u32, 0usize);
    let mut data = Vec::new();
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
        let kind = &bytes[at + 4..at + 8];
        let body = &bytes[at + 8..at + 8 + len];
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(body[0..4].try_into().expect("4 bytes"));
                height = u32::from_be_bytes(body[4..8].try_into().expect("4 bytes"));
                assert_eq!(body[8], 8, "bit depth");
                channels = match body[9] {
                    2 => 3,
                    6 => 4,
                    other => panic!("colour type {other}"),
                };
                assert_eq!(body[12], 0, "interlaced");
            }
            b"IDAT" => data.extend_from_slice(body),
            _ => {}
        }
        at += 12 + len;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&data[..])
        .read_to_end(&mut raw)
        .expect("inflate the image data");
    let stride = width as usize * channels;
    assert_eq!(raw.len(), (stride + 1) * height as usize, "image data size");
    let mut previous = vec![0u8; stride];
    let mut pixels = Vec::with_capacity(width as usize * height as usize);
    for row in raw.chunks(stride + 1) {
        let (filter, line) = (row[0], &row[1..]);
        let mut current = vec![0u8; stride];
        for i in 0..stride {
            let a = if i >= channels {
                current[i - channels]
            } else {
                0
            };
            let b = previous[i];
            let c = if i >= channels {
                previous[i - channels]
            } else {
                0
            };
            let predicted = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                other => panic!("filter {other}"),
            };
            current[i] = line[i].wrapping_add(predicted);
        }
        for pixel in current.chunks(channels) {
            pixels.push([pixel[0], pixel[1], pixel[2], *pixel.get(3).unwrap_or(&255)]);
        }
        previous = current;
    }
    Png {
        width,
        height,
        pixels,
    }
}

#[test]
fn html_renders_in_a_headless_browser() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let page = not_ready_page(tmp.path());
    let shot = tmp.path().join("not-ready-4.1.png");
    run_chromium(
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1400,1000".to_string(),
            "--hide-scrollbars".to_string(),
        ],
        &page,
        &tmp.path().join("profile"),
    );
    let bytes = std::fs::read(&shot).expect("the screenshot");
    // Kept where the tests' files go, to look at.
    let kept = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-not-ready-4.1.png");
    std::fs::write(&kept, &bytes).expect("keep the screenshot");
    eprintln!("screenshot: {}", kept.display());
    let png = decode_png(&bytes);
    assert_eq!((png.width, png.height), (1400, 1000), "the window size");
    let colours: HashSet<[u8; 4]> = png.pixels.iter().copied().collect();
    assert!(
        colours.len() > 50,
        "a blank page: {} colours",
        colours.len()
    );
    // The NOT READY verdict's red (#c62828) fills a band of the page: the style was applied.
    let red = png
        .pixels
        .iter()
        .filter(|p| p[..3] == [0xc6, 0x28, 0x28])
        .count();
    assert!(red > 10_000, "{red} pixels of the verdict's red");
    let white = png
        .pixels
        .iter()
        .filter(|p| p[..3] == [255, 255, 255])
        .count();
    assert!(
        white < png.pixels.len() * 95 / 100,
        "almost everything is white"
    );
}

/// The URL requests a Chromium net log (`--log-net-log`) records as `(url, initiator)`: a page's
/// requests have the page's origin as initiator (`null` for a file), the browser's own
/// background requests (its updater, its account check) `not an origin`. Files are read without
/// the network stack, so the page itself is not among them.
fn net_log_requests(log: &serde_json::Value) -> Vec<(String, String)> {
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_u64()
        .expect("the log's event types name URL_REQUEST_START_JOB");
    log["events"]
        .as_array()
        .expect("the log's events")
        .iter()
        .filter(|e| e["type"].as_u64() == Some(start_job))
        .filter_map(|e| {
            let url = e["params"]["url"].as_str()?;
            let initiator = e["params"]["initiator"].as_str().unwrap_or("");
            Some((url.to_string(), initiator.to_string()))
        })
        .collect()
}

/// Opens a page in headless Chromium with no name resolving and a net log; the dumped DOM and
/// the requests the page made (those of the browser itself left out).
fn page_requests(page: &Path, dir: &Path) -> (String, Vec<(String, String)>) {
    let name = page.file_stem().and_then(|s| s.to_str()).expect("name");
    let log = dir.join(format!("{name}.net-log.json"));
    let dom = run_chromium(
        &[
            "--dump-dom".to_string(),
            // Were anything asked for, no name would resolve.
            "--host-resolver-rules=MAP * ~NOTFOUND".to_string(),
            format!("--log-net-log={}", log.display()),
            "--net-log-capture-mode=Everything".to_string(),
        ],
        page,
        &dir.join(format!("{name}.profile")),
    );
    let text = std::fs::read_to_string(&log).expect("the net log");
    // A log cut short lacks its closing brackets.
    let log: serde_json::Value = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .expect("the net log is JSON");
    let requests = net_log_requests(&log)
        .into_iter()
        .filter(|(_, initiator)| initiator != "not an origin")
        .collect();
    (dom, requests)
}

#[test]
fn html_makes_no_network_request_and_its_script_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // The method sees what a page asks for: a page that loads an image and fetches a URL.
    let canary = tmp.path().join("canary.html");
    std::fs::write(
        &canary,
        "<!DOCTYPE html><p>canary</p><img src=\"http://canary.invalid/a.png\">\
         <script>fetch('https://canary.invalid/b').catch(function () {});</script>",
    )
    .expect("write");
    let (_, requests) = page_requests(&canary, tmp.path());
    let urls: Vec<&str> = requests.iter().map(|(u, _)| u.as_str()).collect();
    assert!(
        urls.contains(&"http://canary.invalid/a.png") && urls.contains(&"https://canary.invalid/b"),
        "the net log does not show a page's requests: {requests:?}"
    );

    let page = not_ready_page(tmp.path());
    let (dom, requests) = page_requests(&page, tmp.path());
    assert_eq!(
        requests,
        Vec::<(String, String)>::new(),
        "the report's requests"
    );
    // The filters' script ran to its end, without an error, and showed the filters.
    assert!(dom.contains("data-ready=\"true\""), "{dom}");
    assert!(
        dom.contains("<form id=\"filters\">"),
        "the filters are shown"
    );
}

#[test]
fn html_filters_hide_what_is_unchecked() {
    // The page with a probe after its script: uncheck pass, skipped and info as a person would,
    // then count what is still shown.
    let tmp = tempfile::tempdir().expect("tempdir");
    let page = not_ready_page(tmp.path());
    let probe = r#"<script>
(function () {
  var form = document.getElementById('filters');
  ['pass', 'skipped', 'info'].forEach(function (v) {
    form.querySelector('input[name=status][value=' + v + ']').checked = false;
  });
  form.dispatchEvent(new Event('change'));
  function shown(selector) {
    return Array.prototype.filter.call(document.querySelectorAll(selector), function (e) {
      return getComputedStyle(e).display !== 'none';
    }).length;
  }
  var blank = Array.prototype.filter.call(
    document.querySelectorAll('table.matrix td[data-status=pass]'),
    function (e) { return getComputedStyle(e).color === 'rgba(0, 0, 0, 0)'; }).length;
  document.body.setAttribute('data-probe', 'pass ' + shown('tr.result[data-status=pass]') +
    ', fail ' + shown('tr.result[data-status=fail]') + ', blank ' + blank + ', rows hidden ' +
    document.querySelectorAll('table.matrix tbody tr[hidden]').length);
})();
</script></body>"#;
    let html = std::fs::read_to_string(&page).expect("page");
    std::fs::write(&page, html.replace("</body>", probe)).expect("write");
    let dom = run_chromium(
        &["--dump-dom".to_string()],
        &page,
        &tmp.path().join("profile"),
    );
    // No passing result listed, the 8 failures still there, the 31 passing cells of the matrix
    // blanked, and dcs-1 (nothing but pass, skipped and info) out of the matrix.
    assert!(
        dom.contains("data-probe=\"pass 0, fail 8, blank 31, rows hidden 1\""),
        "{}",
        dom.lines()
            .find(|l| l.contains("data-probe"))
            .unwrap_or(&dom)
    );
}
