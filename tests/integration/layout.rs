//! Every function is deployable: a crate, a SAM resource with its own policy, a sample event.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn functions() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("functions"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn every_function_has_a_sam_resource_and_a_sample_event() {
    let template = std::fs::read_to_string(root().join("template.yaml")).unwrap();
    let functions = functions();
    assert!(!functions.is_empty());
    for name in functions {
        assert!(
            template.contains(&format!("Binary: {name}\n")),
            "template.yaml has no function building the {name} binary"
        );
        let event = root().join("events").join(format!("{name}.json"));
        let text = std::fs::read_to_string(&event)
            .unwrap_or_else(|_| panic!("events/{name}.json is missing"));
        serde_json::from_str::<serde_json::Value>(&text)
            .unwrap_or_else(|e| panic!("events/{name}.json is not JSON: {e}"));
    }
}

#[test]
fn every_sample_event_belongs_to_a_function() {
    let functions = functions();
    for entry in std::fs::read_dir(root().join("events")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let function = name.trim_end_matches(".json");
        assert!(
            functions.iter().any(|f| f == function),
            "events/{name} names no function"
        );
    }
}
