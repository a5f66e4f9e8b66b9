//! Compiles every `.proto` under `orderflow/` with protox (no system `protoc`)
//! and writes the encoded descriptor set for gRPC reflection.

use std::path::{Path, PathBuf};

use prost::Message;

fn proto_files(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            proto_files(&path, found)?;
        } else if path.extension().is_some_and(|ext| ext == "proto") {
            found.push(path);
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut files = Vec::new();
    proto_files(Path::new("orderflow"), &mut files)?;
    files.sort();
    println!("cargo:rerun-if-changed=orderflow");

    let descriptors = protox::compile(&files, ["."])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("orderflow_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;
    // Type names let the event bus label each event with its message's full
    // name (`orderflow.orders.v1.OrderEvent`).
    let mut config = tonic_prost_build::Config::new();
    config.enable_type_names();
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds_with_config(descriptors, config)?;
    Ok(())
}
