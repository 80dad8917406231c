//! Embeds every `db/policies/*.sql` file, in name order, so `fieldops migrate`
//! re-applies exactly what the directory holds: a new file cannot be forgotten.
use std::{env, fs, path::Path};

fn main() {
    let dir = Path::new("db/policies");
    println!("cargo:rerun-if-changed=db/policies");
    println!("cargo:rerun-if-changed=db/migrations");
    let mut files: Vec<_> = fs::read_dir(dir)
        .expect("db/policies exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .collect();
    files.sort();
    let mut out = String::from("pub static POLICY_FILES: &[(&str, &str)] = &[\n");
    for path in files {
        let name = path.file_name().and_then(|n| n.to_str()).expect("utf-8 file name");
        let absolute = fs::canonicalize(&path).expect("policy file path");
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", absolute.display().to_string()));
        println!("cargo:rerun-if-changed={}", path.display());
    }
    out.push_str("];\n");
    let target = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("policy_files.rs");
    fs::write(target, out).expect("write policy_files.rs");
}
