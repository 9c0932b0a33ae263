//! The run configuration: flags, the `--config` TOML file and `rvscope config show` (DESIGN.md
//! §5, §7, §12). `config show` prints the effective configuration, so most tests read it back
//! with the toml crate and check the values.

use std::path::Path;

use toml::{Table, Value};

use crate::support::*;

/// `rvscope config show ARGS`, which must succeed silently on stderr; the parsed TOML and the
/// text.
fn show(args: &[&str]) -> (Table, String) {
    let out = rvscope()
        .arg("config")
        .arg("show")
        .args(args)
        .output()
        .expect("running rvscope");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(status_code(&out), 0, "{args:?}: {stderr}");
    assert!(stderr.is_empty(), "{args:?}: {stderr}");
    let text = String::from_utf8(out.stdout).unwrap();
    let table = text
        .parse::<Table>()
        .unwrap_or_else(|e| panic!("{args:?}: output is not TOML: {e}\n{text}"));
    (table, text)
}

/// The value at a dotted path such as `caches.l1d.ways`.
fn at<'a>(t: &'a Table, path: &str) -> &'a Value {
    let mut keys = path.split('.');
    let mut v = t
        .get(keys.next().unwrap())
        .unwrap_or_else(|| panic!("{path}"));
    for k in keys {
        v = v.get(k).unwrap_or_else(|| panic!("{path} in {t}"));
    }
    v
}

fn s(v: &str) -> Value {
    Value::String(v.into())
}

fn i(v: i64) -> Value {
    Value::Integer(v)
}

fn b(v: bool) -> Value {
    Value::Boolean(v)
}

fn write_file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn defaults_are_design_section_7() {
    let (t, text) = show(&[]);
    assert!(text.starts_with("# "), "a comment header line: {text}");
    for (path, want) in [
        ("ram", s("128M")),
        ("stack-size", s("8M")),
        ("clock-hz", i(1_000_000_000)),
        ("timing", s("full")),
        ("itlb", s("32:32")),
        ("dtlb", s("32:32")),
        ("ptw-through-cache", b(true)),
        ("caches.ram-latency", i(200)),
        ("caches.classify-misses", b(false)),
        ("caches.l1i.size", s("32K")),
        ("caches.l1d.ways", i(8)),
        ("caches.l1d.line", i(64)),
        ("caches.l1d.latency", i(4)),
        ("caches.l1d.policy", s("lru")),
        ("caches.l1d.write", s("back")),
        ("caches.l1d.alloc", s("write")),
        ("caches.l2.size", s("256K")),
        ("caches.l2.latency", i(12)),
        ("caches.l3.size", s("4M")),
        ("caches.l3.ways", i(16)),
        ("caches.l3.latency", i(40)),
    ] {
        assert_eq!(at(&t, path), &want, "{path}");
    }
    assert!(t.get("max-insns").is_none() && t.get("fs-root").is_none());
}

/// Expected values by dotted path.
type Checks<'a> = Vec<(&'a str, Value)>;

#[test]
fn each_flag_changes_its_setting() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    let cases: Vec<(Vec<&str>, Checks)> = vec![
        (vec!["--ram", "2M"], vec![("ram", s("2M"))]),
        (vec!["--stack-size", "64K"], vec![("stack-size", s("64K"))]),
        (vec!["--clock-hz", "5000"], vec![("clock-hz", i(5000))]),
        (vec!["--max-insns", "77"], vec![("max-insns", i(77))]),
        (
            vec!["--env", "A=1", "--env", "B=x y"],
            vec![("env", Value::Array(vec![s("A=1"), s("B=x y")]))],
        ),
        (vec!["--fs-root", root], vec![("fs-root", s(root))]),
        (
            vec!["--timing", "functional"],
            vec![("timing", s("functional"))],
        ),
        (vec!["--timing=tlb"], vec![("timing", s("tlb"))]),
        (vec!["--itlb", "64:4"], vec![("itlb", s("64:4"))]),
        (vec!["--dtlb", "16"], vec![("dtlb", s("16:16"))]),
        (
            vec!["--ptw-through-cache", "false"],
            vec![("ptw-through-cache", b(false))],
        ),
        // Spike forms.
        (
            vec!["--dc=64:2:32"],
            vec![
                ("caches.l1d.size", s("4K")),
                ("caches.l1d.ways", i(2)),
                ("caches.l1d.line", i(32)),
                ("caches.l1i.size", s("32K")),
            ],
        ),
        (
            vec!["--ic=128:4:64"],
            vec![("caches.l1i.size", s("32K")), ("caches.l1i.ways", i(4))],
        ),
        (
            vec!["--l2=1024:16:64"],
            vec![("caches.l2.size", s("1M")), ("caches.l2.latency", i(12))],
        ),
        (vec!["--l2=none"], vec![("caches.l2", s("none"))]),
        (vec!["--l3=none"], vec![("caches.l3", s("none"))]),
        // All-level flags.
        (
            vec!["--policy", "fifo"],
            vec![
                ("caches.l1i.policy", s("fifo")),
                ("caches.l1d.policy", s("fifo")),
                ("caches.l2.policy", s("fifo")),
                ("caches.l3.policy", s("fifo")),
            ],
        ),
        (
            vec!["--write", "through", "--alloc", "no-write"],
            vec![
                ("caches.l1d.write", s("through")),
                ("caches.l3.alloc", s("no-write")),
            ],
        ),
        (vec!["--seed", "9"], vec![("caches.seed", i(9))]),
        (
            vec!["--ram-latency", "150"],
            vec![("caches.ram-latency", i(150))],
        ),
        (vec!["--no-3c"], vec![("caches.classify-misses", b(false))]),
        (vec!["--3c"], vec![("caches.classify-misses", b(true))]),
        // Long forms after the Spike form; the most specific flag wins.
        (
            vec!["--dc=64:8:64", "--l1d-ways", "4"],
            vec![("caches.l1d.size", s("32K")), ("caches.l1d.ways", i(4))],
        ),
        (
            vec!["--policy", "fifo", "--l1d-policy", "random"],
            vec![
                ("caches.l1d.policy", s("random")),
                ("caches.l1i.policy", s("fifo")),
            ],
        ),
        // A long form for a removed level brings it back from its default first.
        (
            vec!["--l3=none", "--l3-size", "8M"],
            vec![
                ("caches.l3.size", s("8M")),
                ("caches.l3.ways", i(16)),
                ("caches.l3.latency", i(40)),
            ],
        ),
    ];
    for (args, checks) in cases {
        let (t, _) = show(&args);
        for (path, want) in checks {
            assert_eq!(at(&t, path), &want, "{args:?}: {path}");
        }
    }
}

#[test]
fn every_long_form_on_every_level() {
    for level in ["l1i", "l1d", "l2", "l3"] {
        let flag = |k: &str| format!("--{level}-{k}");
        let args = [
            flag("size"),
            "64K".into(),
            flag("ways"),
            "2".into(),
            flag("line"),
            "128".into(),
            flag("policy"),
            "tree-plru".into(),
            flag("write"),
            "through".into(),
            flag("alloc"),
            "no-write".into(),
            flag("latency"),
            "9".into(),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (t, _) = show(&args);
        let key = |k: &str| format!("caches.{level}.{k}");
        for (k, want) in [
            ("size", s("64K")),
            ("ways", i(2)),
            ("line", i(128)),
            ("policy", s("tree-plru")),
            ("write", s("through")),
            ("alloc", s("no-write")),
            ("latency", i(9)),
        ] {
            assert_eq!(at(&t, &key(k)), &want, "{level} {k}");
        }
        // The other levels keep their defaults.
        let other = if level == "l1d" { "l1i" } else { "l1d" };
        assert_eq!(at(&t, &format!("caches.{other}.size")), &s("32K"));
    }
}

#[test]
fn flags_override_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let preset = write_file(
        dir.path(),
        "class.toml",
        r#"
ram = "16M"
max-insns = 1000
env = ["LANG=C", "MODE=a"]
timing = "tlb"

[caches]
l3 = "none"

[caches.l1d]
size = "8K"
ways = 2
policy = "fifo"
"#,
    );
    // The file alone.
    let (t, _) = show(&["--config", &preset]);
    assert_eq!(at(&t, "ram"), &s("16M"));
    assert_eq!(at(&t, "caches.l1d.size"), &s("8K"));
    assert_eq!(
        at(&t, "caches.l1d.latency"),
        &i(4),
        "unset keys keep defaults"
    );
    assert_eq!(at(&t, "caches.l3"), &s("none"));
    // Flags on top.
    let (t, _) = show(&[
        "--config",
        &preset,
        "--ram",
        "32M",
        "--l1d-ways",
        "4",
        "--env",
        "MODE=b",
        "--timing",
        "full",
        "--policy",
        "random",
    ]);
    assert_eq!(at(&t, "ram"), &s("32M"));
    assert_eq!(at(&t, "max-insns"), &i(1000), "the file's value stays");
    assert_eq!(at(&t, "timing"), &s("full"));
    assert_eq!(at(&t, "caches.l1d.size"), &s("8K"));
    assert_eq!(at(&t, "caches.l1d.ways"), &i(4));
    assert_eq!(at(&t, "caches.l1d.policy"), &s("random"));
    assert_eq!(at(&t, "caches.l3"), &s("none"));
    assert_eq!(
        at(&t, "env"),
        &Value::Array(vec![s("LANG=C"), s("MODE=b")]),
        "--env replaces the file's entry for the same name"
    );
}

#[test]
fn show_output_round_trips_through_config() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sand box");
    std::fs::create_dir(&root).unwrap();
    let flags = [
        "--ram",
        "3M",
        "--stack-size",
        "1536K",
        "--clock-hz",
        "123456789",
        "--max-insns",
        "18446744073709551615",
        "--env",
        r#"Q="quoted" \ value"#,
        "--fs-root",
        root.to_str().unwrap(),
        "--timing",
        "tlb",
        "--itlb",
        "128:8",
        "--dtlb",
        "8:2",
        "--ptw-through-cache",
        "false",
        "--ic=32:2:32",
        "--l2=none",
        "--l3-size",
        "2M",
        "--l3-line",
        "128",
        "--l1d-size",
        "3000",
        "--l1d-ways",
        "3000",
        "--l1d-line",
        "1",
        "--write",
        "through",
        "--seed",
        "42",
        "--ram-latency",
        "99",
        "--no-3c",
    ];
    let (first, text) = show(&flags);
    assert_eq!(
        at(&first, "caches.l1d.size"),
        &i(3000),
        "bytes when no unit fits"
    );
    let preset = write_file(dir.path(), "preset.toml", &text);
    let (second, again) = show(&["--config", &preset]);
    assert_eq!(again, text);
    assert_eq!(second, first);
    // The defaults, too.
    let (_, defaults) = show(&[]);
    let preset = write_file(dir.path(), "defaults.toml", &defaults);
    assert_eq!(show(&["--config", &preset]).1, defaults);
}

/// `rvscope ARGS` must fail with 125 and one `rvscope:` line containing `needle`, printing
/// nothing on stdout.
fn assert_config_error(args: &[&str], needle: &str) {
    let out = rvscope().args(args).output().expect("running rvscope");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(status_code(&out), 125, "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(err.starts_with("rvscope: "), "{args:?}: {err}");
    assert!(
        err.contains(needle),
        "{args:?}: expected '{needle}' in {err}"
    );
}

#[test]
fn bad_flags_are_one_line_naming_the_flag() {
    for (args, needle) in [
        (
            &["--dc=63:8:64"][..],
            "--dc=63:8:64: 63 sets is not a power of two",
        ),
        (
            &["--ic=64:0:64"],
            "--ic=64:0:64: a cache needs at least one way",
        ),
        (&["--l2=512:8:48"], "--l2=512:8:48: line size 48"),
        (&["--l3=4096:16"], "--l3=4096:16: expected SETS:WAYS:BLOCK"),
        (&["--l1d-size", "48K"], "--l1d-size: size 48K gives 96 sets"),
        (
            &["--l1d-size", "1000"],
            "--l1d-size: size 1000 is not a multiple",
        ),
        (
            &["--l2-ways", "0"],
            "--l2-ways: a cache needs at least one way",
        ),
        (
            &["--l1i-line", "96"],
            "--l1i-line: line size 96 is not a power of two",
        ),
        (
            &["--l1d-size", "64", "--l1d-line", "128"],
            "--l1d-line: line size 128 is larger than the level",
        ),
        (&["--l1d-size", "lots"], "--l1d-size"),
        (&["--l3-policy", "mru"], "--l3-policy"),
        (&["--policy", "mru"], "unknown replacement policy 'mru'"),
        (&["--write", "sometimes"], "--write"),
        (&["--itlb", "3x"], "--itlb"),
        (&["--dtlb", "64:3"], "TLB ways 3"),
        (&["--timing", "fast"], "--timing"),
        (&["--ptw-through-cache", "maybe"], "--ptw-through-cache"),
        (&["--ram", "4G"], "ram 4G is out of range"),
        (&["--stack-size", "4K"], "stack-size 4K is out of range"),
        (&["--clock-hz", "0"], "clock-hz must be positive"),
        (
            &["--dc=64:6:64", "--policy", "tree-plru"],
            "L1D: tree-plru needs a power-of-two number of ways",
        ),
    ] {
        let mut full = vec!["config", "show"];
        full.extend_from_slice(args);
        assert_config_error(&full, needle);
    }
}

#[test]
fn bad_files_are_one_line_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let missing = missing.to_str().unwrap();
    assert_config_error(&["config", "show", "--config", missing], "missing.toml");
    for (text, needle) in [
        ("rams = \"1M\"\n", "bad.toml:1: unknown field `rams`"),
        (
            "[caches.l1d]\nassoc = 4\n",
            "bad.toml:2: unknown field `assoc`",
        ),
        ("ram = \"1M\"\nram = \"2M\"\n", "bad.toml:2:"),
        ("ram = [\n", "bad.toml:"),
        (
            "[caches.l1d]\nways = \"four\"\n",
            "bad.toml:2: ways: invalid type",
        ),
        (
            "[caches.l1d]\nsize = \"48K\"\n",
            "bad.toml: [caches.l1d] size: size 48K",
        ),
        (
            "[caches.l2]\npolicy = \"mru\"\n",
            "bad.toml: [caches.l2] policy: unknown",
        ),
        ("[caches]\nl3 = \"off\"\n", "bad.toml:2: l3: invalid value"),
        ("itlb = \"3x\"\n", "bad.toml: itlb: invalid TLB shape '3x'"),
        ("ram = \"4G\"\n", "bad.toml: ram 4G is out of range"),
        ("env = [\"NOEQUALS\"]\n", "bad.toml: env: 'NOEQUALS'"),
    ] {
        let bad = write_file(dir.path(), "bad.toml", text);
        assert_config_error(&["config", "show", "--config", &bad], needle);
        // `run` reads the same file the same way, before looking at the ELF.
        assert_config_error(&["run", "--config", &bad, "/nonexistent.elf"], needle);
    }
}

#[test]
fn run_takes_the_file_and_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let preset = write_file(dir.path(), "limit.toml", "max-insns = 1000\n");
    let elf = guest_elf("examples", "recursion");
    let elf = elf.to_str().unwrap();
    let out = rvscope()
        .args(["run", "--config", &preset, elf])
        .output()
        .unwrap();
    assert_eq!(
        status_code(&out),
        124,
        "the file's instruction limit applies"
    );
    let out = rvscope()
        .args(["run", "--config", &preset, "--max-insns", "2000", elf])
        .output()
        .unwrap();
    assert_eq!(status_code(&out), 124);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("stopped after 2000 instructions"),
        "the flag overrides the file"
    );
    let exit = guest_elf("tests", "exit_code");
    let caches = write_file(dir.path(), "caches.toml", "[caches]\nl3 = \"none\"\n");
    let out = rvscope()
        .args(["run", "--config", &caches, "--dc=64:2:32", "--l2-ways", "4"])
        .arg(&exit)
        .arg("7")
        .output()
        .unwrap();
    assert_eq!(status_code(&out), 7);
}

#[test]
fn cachesim_takes_the_same_cache_flags_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let trace = write_file(dir.path(), "t.din", "0 1000\n1 2000\n2 3000\n");
    let json = dir.path().join("stats.json");
    let preset = write_file(dir.path(), "p.toml", "[caches]\nl3 = \"none\"\nseed = 5\n");
    let out = rvscope()
        .args([
            "cachesim",
            "--config",
            &preset,
            "--dc=64:2:32",
            "--l1d-latency",
            "7",
            "--l2-size",
            "1M",
            "--stats-file",
        ])
        .arg(&json)
        .arg(&trace)
        .output()
        .unwrap();
    assert_exit_0(&out);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let c = &report["config"];
    assert_eq!(c["l1d"]["sets"], 64);
    assert_eq!(c["l1d"]["ways"], 2);
    assert_eq!(c["l1d"]["line_bytes"], 32);
    assert_eq!(c["l1d"]["latency_cycles"], 7);
    assert_eq!(c["l2"]["sets"], 2048);
    assert!(c["l3"].is_null(), "{c}");
    assert_eq!(c["seed"], 5);
    assert_config_error(&["cachesim", "--l1d-ways", "0", &trace], "--l1d-ways");
}
