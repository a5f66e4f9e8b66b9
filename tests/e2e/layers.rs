//! The layers of every service (architecture.md §2), checked on the sources:
//! `domain` imports no other layer and no database crate; `wire` (proto ⇄
//! domain) and `events` (what the service publishes) sit below the use cases
//! and import neither them nor the API; the API does not reach into the store;
//! consumers call the use cases, neither the API nor the store. A `use` that breaks a rule fails
//! here with the file and the line.

use std::path::{Path, PathBuf};

/// (files of a layer, what they must not name)
const RULES: &[(&str, &[&str])] = &[
    (
        "domain",
        &[
            "crate::store",
            "crate::app",
            "crate::api",
            "crate::consumers",
            "crate::events",
            "sea_orm",
        ],
    ),
    (
        "wire",
        &[
            "crate::app",
            "crate::api",
            "crate::consumers",
            "crate::store",
        ],
    ),
    (
        "events",
        &[
            "crate::app",
            "crate::api",
            "crate::consumers",
            "crate::store",
        ],
    ),
    ("api", &["crate::store", "crate::consumers"]),
    ("consumers", &["crate::api", "crate::store"]),
    ("store", &["crate::app", "crate::api", "crate::consumers"]),
];

fn rust_files(path: &Path, found: &mut Vec<PathBuf>) {
    if path.is_file() && path.extension().is_some_and(|ext| ext == "rs") {
        found.push(path.to_owned());
    } else if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .collect();
        entries.sort();
        for entry in entries {
            rust_files(&entry, found);
        }
    }
}

#[test]
fn no_layer_of_any_service_imports_one_it_must_not() {
    let services = Path::new(env!("CARGO_MANIFEST_DIR")).join("../services");
    let mut broken = Vec::new();
    let mut checked = 0;
    for service in [
        "orders",
        "approvals",
        "inventory",
        "finance",
        "logistics",
        "production",
        "procurement",
        "aftersales",
    ] {
        let src = services.join(service).join("src");
        for (layer, forbidden) in RULES {
            let mut files = Vec::new();
            rust_files(&src.join(format!("{layer}.rs")), &mut files);
            rust_files(&src.join(layer), &mut files);
            for file in files {
                checked += 1;
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                for (number, line) in text.lines().enumerate() {
                    let code = line.trim_start();
                    if code.starts_with("//") {
                        continue;
                    }
                    for name in *forbidden {
                        if code.contains(name) {
                            broken.push(format!(
                                "{}:{}: the {layer} layer names {name}",
                                file.display(),
                                number + 1
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} files found under {}",
        services.display()
    );
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
