use std::io::Write;
use std::process::{Command, Output, Stdio};

fn doorman(db: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_doorman"))
        .args(args)
        .env("DATABASE_URL", db)
        .env("DOORMAN_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn operator_commands_work_and_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("cli.db").display());

    // The first migrate also loads the bundled lists from DOORMAN_DATA_DIR.
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("high-risk-asns.txt"), "14061 # DigitalOcean\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_doorman"))
        .args(["migrate"])
        .env("DATABASE_URL", &db)
        .env("DOORMAN_DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rules = doorman(
        &db,
        &[
            "reputation",
            "import",
            "--list",
            "high-risk-asns",
            data.join("high-risk-asns.txt").to_str().unwrap(),
        ],
        None,
    );
    assert!(text(&rules.stdout).starts_with("0 new entries"), "{}", text(&rules.stdout));

    let out = doorman(&db, &["tenant", "create", "--slug", "acme", "--name", "Acme Inc"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = doorman(&db, &["tenant", "create", "--slug", "acme", "--name", "Again"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("already exists"), "{err}");

    let out = doorman(&db, &["tenant", "create", "--slug", "Bad Slug", "--name", "X"], None);
    assert_eq!(out.status.code(), Some(1));

    let out = doorman(&db, &["key", "create", "--tenant", "acme"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let key = text(&out.stdout);
    assert_eq!(key.lines().count(), 1);
    assert!(key.trim().starts_with("dm_live_") && key.trim().len() == "dm_live_".len() + 48, "{key}");

    let out = doorman(&db, &["key", "create", "--tenant", "nope"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no tenant"));

    let out = doorman(&db, &["admin", "create", "--email", "root@example.com"], Some("a-long-password\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out =
        doorman(&db, &["admin", "create", "--email", "ops@example.com", "--tenant", "acme"], Some("short\n"));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("at least"));
    let out = doorman(&db, &["admin", "create", "--email", "ops@example.com", "--tenant", "acme"], None);
    assert_eq!(out.status.code(), Some(1));

    let list = dir.path().join("tor.txt");
    std::fs::write(&list, "# exits\n198.51.100.4\n2001:db8::7\n").unwrap();
    let out = doorman(&db, &["reputation", "import", "--list", "tor-exits", list.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("2 new entries"));
    let out = doorman(&db, &["reputation", "import", "--list", "colours", list.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    std::fs::write(&list, "198.51.100.9\n300.1.1.1\n").unwrap();
    let out = doorman(&db, &["reputation", "import", "--list", "tor-exits", list.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("line 2"), "{}", text(&out.stderr));

    let rules = dir.path().join("rules.json");
    std::fs::write(&rules, r#"{"allowMax": 60, "rules": {"RANDOM_EMAIL": {"enabled": false}}}"#).unwrap();
    let out = doorman(&db, &["rules", "set", "--tenant", "acme", rules.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = doorman(&db, &["rules", "show", "--tenant", "acme"], None);
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["thresholds"]["allowMax"], 60);
    assert_eq!(shown["overrides"]["RANDOM_EMAIL"]["enabled"], false);
    std::fs::write(&rules, r#"{"allowMax": 500}"#).unwrap();
    let out = doorman(&db, &["rules", "set", "--tenant", "acme", rules.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("thresholds"), "{}", text(&out.stderr));
    std::fs::write(&rules, r#"{"alowMax": 50}"#).unwrap();
    let out = doorman(&db, &["rules", "set", "--tenant", "acme", rules.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));

    let out = doorman(&db, &["frobnicate"], None);
    assert!(!out.status.success());
}

#[test]
fn an_operator_blocks_a_network_for_a_day_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("cli.db").display());
    assert!(doorman(&db, &["tenant", "create", "--slug", "acme", "--name", "Acme"], None).status.success());
    let out = doorman(
        &db,
        &[
            "list", "add", "--tenant", "acme", "--action", "block", "--kind", "asn", "AS14061", "--reason",
            "scrapers", "--hours", "24",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "block asn 14061 for 24 hours");
    let shown = text(&doorman(&db, &["list", "show", "--tenant", "acme"], None).stdout);
    let fields: Vec<&str> = shown.trim().split('\t').collect();
    assert_eq!(
        (fields[0], fields[1], fields[2], fields[4]),
        ("block", "asn", "14061", "scrapers"),
        "{shown}"
    );
    let until: i64 = fields[3].parse().unwrap();
    assert!((until - doorman_store::now_ms() - 86_400_000).abs() < 60_000);

    let out = doorman(
        &db,
        &["list", "add", "--tenant", "acme", "--action", "block", "--kind", "country", "France"],
        None,
    );
    assert!(!out.status.success() && text(&out.stderr).contains("two-letter"), "{}", text(&out.stderr));
    assert!(doorman(&db, &["list", "remove", "--tenant", "acme", "--kind", "asn", "AS14061"], None)
        .status
        .success());
    let out = doorman(&db, &["list", "remove", "--tenant", "acme", "--kind", "asn", "AS14061"], None);
    assert!(!out.status.success() && text(&out.stderr).contains("no asn entry"), "{}", text(&out.stderr));
}
