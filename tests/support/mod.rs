//! Shared helpers of the integration suite: building guest programs, reading their test
//! directives, running them under rvscope and under qemu-riscv32.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The rvscope binary under test.
pub fn rvscope() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rvscope"))
}

/// Directory the guest ELFs are built into (`target/guest`, as toolchain/build-guests.sh does).
pub fn guest_out() -> PathBuf {
    repo().join("target").join("guest")
}

/// Builds every guest program once per test run (incremental: only changed sources rebuild).
/// Panics with the build's output if it fails: a missing toolchain is a failure, not a skip.
pub fn build_guests() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let out = guest_out();
        let status = Command::new("bash")
            .arg(repo().join("toolchain/build-guests.sh"))
            .arg(&out)
            .output()
            .expect("running toolchain/build-guests.sh");
        assert!(
            status.status.success(),
            "toolchain/build-guests.sh failed (did toolchain/setup.sh run?):\n{}\n{}",
            String::from_utf8_lossy(&status.stdout),
            String::from_utf8_lossy(&status.stderr)
        );
        out
    })
}

/// The ELF of guest program `kind/name` (kind: examples, tests, bench).
pub fn guest_elf(kind: &str, name: &str) -> PathBuf {
    let p = build_guests().join(kind).join(format!("{name}.elf"));
    assert!(p.exists(), "{} was not built", p.display());
    p
}

/// How a guest program is to be run, from its `// rvscope-…:` header lines.
#[derive(Clone, Debug, Default)]
pub struct Directives {
    /// Program arguments.
    pub args: Vec<String>,
    /// File (relative to guest/) fed as stdin.
    pub stdin: Option<PathBuf>,
    /// Environment `K=V`.
    pub env: Vec<String>,
    /// Files (relative to guest/) placed in the sandbox / working directory.
    pub files: Vec<PathBuf>,
    /// Expected exit status.
    pub exit: i32,
}

/// Splits shell-like words: whitespace separates, double quotes group.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for ch in text.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// Reads the directives of a guest C source.
pub fn directives(source: &Path) -> Directives {
    let text = std::fs::read_to_string(source).expect("reading guest source");
    let mut d = Directives::default();
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("// rvscope-") else {
            continue;
        };
        let Some((key, value)) = rest.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "args" => d.args = words(value),
            "stdin" => d.stdin = Some(PathBuf::from(value)),
            "env" => d.env.push(value.to_owned()),
            "files" => d.files.extend(words(value).into_iter().map(PathBuf::from)),
            "exit" => d.exit = value.parse().expect("rvscope-exit is a number"),
            _ => {}
        }
    }
    d
}

/// Every guest C source of `kind` (examples, tests), sorted.
pub fn guest_sources(kind: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("guest").join(kind))
        .expect("guest dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();
    v.sort();
    v
}

/// A fresh sandbox directory holding the directive's files.
pub fn sandbox(d: &Directives) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for f in &d.files {
        let src = repo().join("guest").join(f);
        std::fs::copy(&src, dir.path().join(f.file_name().expect("file name")))
            .unwrap_or_else(|e| panic!("copying {}: {e}", src.display()));
    }
    dir
}

fn stdin_for(d: &Directives) -> Stdio {
    match &d.stdin {
        Some(p) => {
            Stdio::from(std::fs::File::open(repo().join("guest").join(p)).expect("stdin file"))
        }
        None => Stdio::null(),
    }
}

/// Runs `rvscope run FLAGS ELF ARGS` as is (no sandbox, no stdin).
pub fn rvscope_run(flags: &[&str], elf: &Path, args: &[&str]) -> Output {
    rvscope()
        .arg("run")
        .args(flags)
        .arg(elf)
        .args(args)
        .output()
        .expect("running rvscope")
}

/// Runs `elf` under rvscope with the directives (sandbox as --fs-root, env via --env).
pub fn run_rvscope(elf: &Path, d: &Directives, extra: &[&str]) -> Output {
    let dir = sandbox(d);
    let mut cmd = rvscope();
    cmd.arg("run").arg("--fs-root").arg(dir.path());
    for e in &d.env {
        cmd.arg("--env").arg(e);
    }
    cmd.args(extra).arg(elf).args(&d.args);
    cmd.current_dir(dir.path()).stdin(stdin_for(d));
    cmd.output().expect("running rvscope")
}

/// Runs `elf` under qemu-riscv32 the same way (sandbox as working directory, same environment).
/// Panics if qemu-riscv32 is missing: the oracle is required.
pub fn run_qemu(elf: &Path, d: &Directives) -> Output {
    let dir = sandbox(d);
    let mut cmd = Command::new("qemu-riscv32");
    cmd.env_clear();
    for e in &d.env {
        let (k, v) = e.split_once('=').expect("K=V");
        cmd.env(k, v);
    }
    // qemu passes its own environment to the guest; with env_clear the guest's environment is
    // exactly the directive's, as under rvscope.
    cmd.arg(elf)
        .args(&d.args)
        .current_dir(dir.path())
        .stdin(stdin_for(d));
    cmd.output().unwrap_or_else(|e| {
        panic!("qemu-riscv32 is required as the oracle (apt-get install qemu-user): {e}")
    })
}

/// Exit status as a shell reports it (128+signal for a killed process).
pub fn status_code(out: &Output) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    match out.status.code() {
        Some(c) => c,
        None => 128 + out.status.signal().unwrap_or(0),
    }
}

/// Asserts that a command exited 0, showing its stderr otherwise.
#[track_caller]
pub fn assert_exit_0(out: &Output) {
    assert_eq!(
        status_code(out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
