//! The `ordinance` command: check rule packs, run their tests, evaluate a
//! rule, and run a scenario. It only parses arguments, calls the core and
//! prints; every rule semantics lives in `ordinance-core`.

use clap::{Parser, Subcommand, ValueEnum};
use ordinance_core::report::{render_decision, render_text_with, Lang, RenderOptions};
use ordinance_core::{facade, scenario, Engine, Error, LoadOptions};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Writes a line to standard output, ignoring a closed pipe (`ordinance rules | head`).
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($t)*);
    }};
}

/// Writes to standard output, ignoring a closed pipe.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($t)*);
    }};
}

#[derive(Parser)]
#[command(name = "ordinance", version, about = "Regulations as code: check, test and evaluate YAML rule packs")]
struct Cli {
    /// Rules directory or rule-set bundle (default: $ORDINANCE_RULES, else ./rules)
    #[arg(long, global = true, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// A further folder packs may read source texts from (repeatable; by
    /// default a pack reads only inside the rules directory)
    #[arg(long = "sources", global = true, value_name = "DIR")]
    sources: Vec<PathBuf>,
    /// A reform laid over the rules (repeatable; applied in order): the
    /// command answers by the rule set it makes (docs/rule-format.md §19)
    #[arg(long = "reform", global = true, value_name = "FILE")]
    reform: Vec<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Validate every pack; print `file:line:col: error: …` for each problem
    Check {
        /// Output format
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Run every pack's tests; the last line is `N passed, M failed`
    Test {
        /// Output format
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Evaluate one rule on inputs given as JSON (or @file.json)
    Eval {
        /// The rule, `pack.rule`
        rule: String,
        /// Inputs: a JSON object, or @path to a file holding one
        #[arg(long, default_value = "{}")]
        input: String,
        /// As-of date, YYYY-MM-DD (default: today, or the pack's last day in force)
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<String>,
        /// Output format
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Run a scenario: evaluate its rules on its data and reconcile the text's figures
    Run {
        /// The scenario file
        scenario: PathBuf,
        /// Output format
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Exit with status 2 when any printed figure disagrees with the engine
        #[arg(long)]
        strict: bool,
        /// Language of headings, findings and notes: zh or en (default:
        /// Chinese when the source text is Chinese)
        #[arg(long, value_name = "zh|en")]
        lang: Option<String>,
        /// Print only the findings (what disagrees) and the summary
        #[arg(long)]
        only_findings: bool,
    },
    /// The effect of a change on a scenario: every figure before → after,
    /// the claims that flip, the pack tests that now fail (exit 1 when a
    /// test breaks). The change is `--reform FILE` or `--against RULES`
    Compare {
        /// The scenario to run before and after (or give --rule and --data)
        scenario: Option<PathBuf>,
        /// Compare one rule over rows instead of a scenario
        #[arg(long, value_name = "pack.rule", requires = "data")]
        rule: Option<String>,
        /// The rows: .json (an array of objects), .ndjson/.jsonl, or .csv
        /// (a header of input names)
        #[arg(long, value_name = "FILE", requires = "rule")]
        data: Option<PathBuf>,
        /// As-of date of a rule comparison, YYYY-MM-DD
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<String>,
        /// Write the changed rows as CSV (index, before_*, after_*, cause)
        /// to this file as well
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Another rules folder or bundle to compare with, instead of a reform
        #[arg(long, value_name = "RULES")]
        against: Option<PathBuf>,
        /// Output format
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Language of the text: zh (default) or en
        #[arg(long, value_name = "zh|en", default_value = "zh")]
        lang: String,
    },
    /// List the rules: id, kind, inputs, outputs and citation
    Rules {
        /// Output format
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Write a rule-set bundle: the rules directory's packs and the source
    /// texts they cite in one file, with the rule-set hash; `--rules
    /// FILE` (and every binding) opens it like a folder
    Bundle {
        /// The bundle to write (`rules.ordinance`, say); `-` for standard output
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Serve the rules over HTTP (the decision service; docs/server.md)
    Serve {
        /// Address to listen on (loopback unless you say otherwise)
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Token the changing endpoints (/v1/reload, /v1/save) need as `Authorization:
        /// Bearer TOKEN` (default: $ORDINANCE_TOKEN; without one they are refused)
        #[arg(long)]
        token: Option<String>,
        /// Largest request body, in bytes (at most 256 MiB)
        #[arg(long, default_value_t = 16 * 1024 * 1024)]
        max_body: usize,
        /// Most rows one batch request may hold (JSON, NDJSON or Arrow)
        #[arg(long, default_value_t = 1_000_000)]
        max_rows: u64,
        /// Largest answer one request may get, in bytes
        #[arg(long, default_value_t = 256 * 1024 * 1024)]
        max_answer: usize,
        /// A host name requests may name in `Host:` besides loopback and the
        /// listening address, e.g. rules.district.gov.cn behind a reverse proxy
        /// (repeatable)
        #[arg(long, value_name = "NAME")]
        allow_host: Vec<String>,
        /// Longest a request may take, in seconds
        #[arg(long, default_value_t = 30)]
        timeout: u64,
        /// Seconds between looks at the rules folder for changes (0: never reload by itself)
        #[arg(long, default_value_t = 1)]
        watch: u64,
        /// Folder of scenarios /v1/scenarios/run may run (default: none; the endpoint refuses)
        #[arg(long, value_name = "DIR")]
        scenarios: Option<PathBuf>,
        /// An origin whose pages may call the service from a browser, e.g.
        /// https://portal.example.gov.cn (repeatable; default: none, CORS off)
        #[arg(long, value_name = "ORIGIN")]
        cors: Vec<String>,
    },
    /// Print the JSON Schema of rule packs (or of scenarios)
    Schema {
        /// The scenario schema instead of the rule-pack schema
        #[arg(long)]
        scenario: bool,
    },
}

fn rules_dir(cli: &Cli) -> PathBuf {
    cli.rules
        .clone()
        .or_else(|| std::env::var_os("ORDINANCE_RULES").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("rules"))
}

fn wants_json(c: &Command) -> bool {
    matches!(
        c,
        Command::Check { format: Format::Json }
            | Command::Test { format: Format::Json }
            | Command::Eval { format: Format::Json, .. }
            | Command::Run { format: Format::Json, .. }
            | Command::Rules { format: Format::Json }
            | Command::Compare { format: Format::Json, .. }
    )
}

fn print_error(e: &Error) {
    match e {
        Error::Load(l) => {
            for d in &l.diagnostics {
                eprintln!("{d}");
            }
        }
        Error::Eval(ev) => eprintln!("error: {ev}"),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let dir = rules_dir(&cli);
    match run(&cli, &dir) {
        Ok(code) => code,
        Err(e) => {
            if wants_json(&cli.command) {
                // machine readers get the error as the same JSON document the
                // bindings produce, on standard output
                outln!("{}", e.to_json());
            } else {
                print_error(&e);
            }
            ExitCode::from(1)
        }
    }
}

/// The largest input document `eval --input @FILE` reads.
const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

fn load_options(cli: &Cli) -> LoadOptions {
    LoadOptions { shared_sources: cli.sources.clone(), forbid_removal: false, reforms: cli.reform.clone() }
}

fn run(cli: &Cli, dir: &PathBuf) -> Result<ExitCode, Error> {
    let load = || Engine::load_dir_with(dir, load_options(cli));
    match &cli.command {
        Command::Check { format } => match load() {
            Ok(engine) => {
                let rules = engine.rules();
                if *format == Format::Json {
                    outln!(
                        "{}",
                        serde_json::json!({"ok": true, "rules": rules.len(), "ruleset": engine.ruleset_hash()})
                    );
                } else {
                    outln!(
                        "ok: {} rule(s) in {} checked, rule set {}",
                        rules.len(),
                        dir.display(),
                        engine.ruleset_hash()
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(l) => {
                if *format == Format::Json {
                    outln!("{}", Error::Load(l.clone()).to_json());
                } else {
                    for d in &l.diagnostics {
                        outln!("{d}");
                    }
                    outln!("{} error(s)", l.diagnostics.len());
                }
                Ok(ExitCode::from(1))
            }
        },
        Command::Test { format } => {
            // a pack that does not load is one failure; the others' tests run
            let r = Engine::test_dir_with(dir, load_options(cli))?;
            if *format == Format::Json {
                outln!("{}", facade::tests_json(&r));
                return Ok(if r.failed() == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) });
            }
            for o in &r.outcomes {
                if o.passed {
                    match &o.message {
                        Some(m) => outln!("ok     {}  ({}): {m}", o.name, o.location),
                        None => outln!("ok     {}  ({})", o.name, o.location),
                    }
                } else {
                    outln!("FAILED {}  ({})", o.name, o.location);
                    for line in o.message.iter().flat_map(|m| m.lines()) {
                        outln!("       {line}");
                    }
                }
            }
            outln!("{} passed, {} failed", r.passed(), r.failed());
            Ok(if r.failed() == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Eval { rule, input, as_of, format } => {
            let engine = load()?;
            let text = match input.strip_prefix('@') {
                Some(path) => ordinance_core::files::read_text(Path::new(path), path, "input file", MAX_INPUT_BYTES)
                    .map_err(|e| {
                        Error::Eval(ordinance_core::EvalError::Input {
                            rule: rule.clone(),
                            field: String::new(),
                            message: e.message,
                            allowed: None,
                        })
                    })?,
                None => input.clone(),
            };
            let options = serde_json::json!({ "as_of": as_of }).to_string();
            if *format == Format::Json {
                // byte for byte the document the C ABI and Python receive
                outln!("{}", facade::evaluate_json(&engine, rule, &text, Some(&options))?);
            } else {
                let opts = facade::parse_options(Some(&options))?;
                let inputs = facade::parse_input(rule, &text)?;
                out!("{}", render_decision(&engine.evaluate(rule, &inputs, &opts)?));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { scenario: path, format, strict, lang, only_findings } => {
            let lang = match lang.as_deref().map(Lang::parse).transpose() {
                Ok(l) => l,
                Err(m) => {
                    eprintln!("error: {m}");
                    return Ok(ExitCode::from(2));
                }
            };
            let dir = scenario_rules_dir(cli, path, dir);
            let report = scenario::run_file_with(path, &dir, &load_options(cli))?;
            if *format == Format::Json {
                outln!("{}", serde_json::to_string_pretty(&report.to_json()).unwrap_or_default());
            } else {
                let lang = lang.unwrap_or_else(|| Lang::of_report(&report));
                out!("{}", render_text_with(&report, &RenderOptions { lang, only_findings: *only_findings }));
            }
            Ok(if *strict && report.disagreements() > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS })
        }
        Command::Compare { scenario: path, rule, data, as_of, csv, against, format, lang } => {
            let lang = match Lang::parse(lang) {
                Ok(l) => l,
                Err(m) => {
                    eprintln!("error: {m}");
                    return Ok(ExitCode::from(2));
                }
            };
            if cli.reform.is_empty() && against.is_none() {
                eprintln!("error: compare needs the change: `--reform FILE` or `--against RULES`");
                return Ok(ExitCode::from(2));
            }
            let before_opts = LoadOptions { reforms: Vec::new(), ..load_options(cli) };
            if let (Some(rule), Some(data)) = (rule, data) {
                let after_dir = against.as_deref().unwrap_or(dir);
                let before = Engine::load_dir_with(dir, before_opts)?;
                let after = Engine::load_dir_with(after_dir, load_options(cli))?;
                let rows = read_rows(rule, data)?;
                let options = serde_json::json!({ "as_of": as_of }).to_string();
                let opts = facade::parse_options(Some(&options))?;
                let cmp = ordinance_core::compare::compare_rows(&before, &after, rule, &rows, &opts)?;
                if let Some(out) = csv {
                    write_changed_csv(out, &cmp).map_err(|m| io_error(rule, m))?;
                }
                if *format == Format::Json {
                    outln!("{}", serde_json::to_string_pretty(&cmp.to_json()).unwrap_or_default());
                } else {
                    out!("{}", cmp.to_text(lang));
                }
                return Ok(ExitCode::SUCCESS);
            }
            let Some(path) = path else {
                eprintln!("error: compare needs a scenario, or `--rule RULE --data FILE`");
                return Ok(ExitCode::from(2));
            };
            let dir = scenario_rules_dir(cli, path, dir);
            let after_dir = against.as_deref().unwrap_or(&dir);
            let cmp = ordinance_core::compare::compare_scenario_runs(
                path,
                (&dir, &before_opts),
                (after_dir, &load_options(cli)),
            )?;
            if *format == Format::Json {
                outln!("{}", serde_json::to_string_pretty(&cmp.to_json()).unwrap_or_default());
            } else {
                out!("{}", cmp.to_text(lang));
            }
            Ok(if cmp.broken_tests.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Rules { format } => {
            let engine = load()?;
            if *format == Format::Json {
                outln!("{}", facade::rules_json(&engine));
                return Ok(ExitCode::SUCCESS);
            }
            for r in engine.rules() {
                let inputs: Vec<String> = r.inputs.iter().map(|(n, t, _)| format!("{n}: {t}")).collect();
                let outputs: Vec<String> = r.outputs.iter().map(|(n, t)| format!("{n}: {t}")).collect();
                outln!("{}  ({})  {}", r.id, r.kind, r.title.unwrap_or_default());
                outln!(
                    "    {} {} — ({}) → ({})",
                    r.cite.document,
                    r.cite.clause,
                    inputs.join(", "),
                    outputs.join(", ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bundle { output } => {
            let bundle = ordinance_core::bundle::Bundle::from_dir(dir, &load_options(cli))?;
            let text = format!("{}\n", bundle.to_json());
            if output.as_os_str() == "-" {
                out!("{text}");
            } else {
                // write beside the target and rename, so a reader never sees half a bundle
                let tmp = output.with_extension("ordinance-partial");
                let written = std::fs::write(&tmp, &text).and_then(|()| std::fs::rename(&tmp, output));
                if let Err(e) = written {
                    let _ = std::fs::remove_file(&tmp);
                    eprintln!("{}: error: cannot write the bundle: {e}", output.display());
                    return Ok(ExitCode::FAILURE);
                }
                outln!(
                    "{}: {} packs and {} source texts, rule set {}",
                    output.display(),
                    bundle.files.keys().filter(|k| !k.contains('/')).count(),
                    bundle.files.keys().filter(|k| k.contains('/')).count(),
                    bundle.ruleset
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            listen,
            token,
            max_body,
            max_rows,
            max_answer,
            allow_host,
            timeout,
            watch,
            scenarios,
            cors,
        } => {
            let config = ordinance_server::Config {
                rules: dir.clone(),
                listen: *listen,
                token: token.clone().or_else(|| std::env::var("ORDINANCE_TOKEN").ok()).filter(|t| !t.is_empty()),
                max_body: *max_body,
                timeout: std::time::Duration::from_secs(*timeout),
                watch: (*watch > 0).then(|| std::time::Duration::from_secs(*watch)),
                shared_sources: cli.sources.clone(),
                scenarios: scenarios.clone(),
                cors: cors.clone(),
                allow_hosts: allow_host.clone(),
                max_rows: *max_rows,
                max_answer: *max_answer,
                reforms: cli.reform.clone(),
            };
            match ordinance_server::serve(config) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(m) => {
                    eprintln!("error: {m}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Schema { scenario } => {
            if *scenario {
                out!("{}", ordinance_core::schema::scenario_schema());
            } else {
                out!("{}", ordinance_core::schema::pack_schema());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The rules folder a scenario runs against: `--rules` or
/// `$ORDINANCE_RULES` when given, else the one nearest the scenario (its
/// folder or one above it).
fn scenario_rules_dir(cli: &Cli, scenario: &Path, dir: &Path) -> PathBuf {
    if cli.rules.is_none() && std::env::var_os("ORDINANCE_RULES").is_none() {
        scenario::find_rules_dir(scenario).unwrap_or_else(|| dir.to_path_buf())
    } else {
        dir.to_path_buf()
    }
}

/// An input problem of a command, as the error every binding reports.
fn io_error(rule: &str, message: String) -> Error {
    Error::Eval(ordinance_core::EvalError::Input {
        rule: rule.to_string(),
        field: String::new(),
        message,
        allowed: None,
    })
}

/// The rows of a data file: a JSON array of objects, NDJSON (one object a
/// line) or CSV (a header of input names; a cell that reads as a JSON number
/// or bool is one, an empty cell is left out, the rest is text).
fn read_rows(rule: &str, path: &Path) -> Result<Vec<serde_json::Value>, Error> {
    let shown = path.display().to_string();
    let text = ordinance_core::files::read_text(path, &shown, "data file", MAX_INPUT_BYTES)
        .map_err(|e| io_error(rule, e.message))?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let bad = |m: String| io_error(rule, format!("{shown}: {m}"));
    match ext.as_str() {
        "json" => match serde_json::from_str::<serde_json::Value>(&text).map_err(|e| bad(e.to_string()))? {
            serde_json::Value::Array(rows) => Ok(rows),
            _ => Err(bad("a JSON data file holds an array of objects".into())),
        },
        "ndjson" | "jsonl" => text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(k, l)| serde_json::from_str(l).map_err(|e| bad(format!("line {}: {e}", k + 1))))
            .collect(),
        "csv" => {
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let header: Vec<String> =
                reader.headers().map_err(|e| bad(e.to_string()))?.iter().map(str::to_string).collect();
            let mut rows = Vec::new();
            for record in reader.records() {
                let record = record.map_err(|e| bad(e.to_string()))?;
                let mut row = serde_json::Map::new();
                for (name, cell) in header.iter().zip(record.iter()) {
                    if cell.is_empty() {
                        continue;
                    }
                    let v = match serde_json::from_str::<serde_json::Value>(cell) {
                        Ok(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => v,
                        _ => serde_json::Value::String(cell.to_string()),
                    };
                    row.insert(name.clone(), v);
                }
                rows.push(serde_json::Value::Object(row));
            }
            Ok(rows)
        }
        _ => Err(bad("the data file is .json, .ndjson, .jsonl or .csv".into())),
    }
}

/// The changed rows as CSV: the row's index (from 1), every output before
/// and after, and the cause.
fn write_changed_csv(path: &Path, cmp: &ordinance_core::compare::RowsComparison) -> Result<(), String> {
    let outputs: Vec<String> = cmp
        .changed
        .iter()
        .flat_map(|c| c.before.iter().chain(c.after.iter()).flat_map(|m| m.keys().cloned()))
        .fold(Vec::new(), |mut acc, k| {
            if !acc.contains(&k) {
                acc.push(k);
            }
            acc
        });
    let mut w = csv::Writer::from_path(path).map_err(|e| e.to_string())?;
    let mut header = vec!["row".to_string()];
    header.extend(outputs.iter().map(|o| format!("before_{o}")));
    header.extend(outputs.iter().map(|o| format!("after_{o}")));
    header.push("cause".into());
    w.write_record(&header).map_err(|e| e.to_string())?;
    for c in &cmp.changed {
        let cell = |r: &Result<indexmap::IndexMap<String, ordinance_core::Value>, String>, o: &str| match r {
            Ok(m) => m.get(o).map(ToString::to_string).unwrap_or_default(),
            Err(e) => format!("error: {e}"),
        };
        let mut rec = vec![(c.index + 1).to_string()];
        rec.extend(outputs.iter().map(|o| cell(&c.before, o)));
        rec.extend(outputs.iter().map(|o| cell(&c.after, o)));
        rec.push(c.cause.clone().unwrap_or_default());
        w.write_record(&rec).map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())
}
