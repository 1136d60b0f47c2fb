//! The OpenAPI document covers exactly the routes that are served and deployed.

use std::collections::BTreeSet;

use http::{Method, StatusCode};
use integration_tests::TestApp;
use serde_json::Value;

/// (METHOD, path) of every HttpApi event in template.yaml.
fn deployed_routes() -> BTreeSet<(String, String)> {
    let template =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    let mut routes = BTreeSet::new();
    let mut method = None;
    for line in template.lines().map(str::trim) {
        if let Some(m) = line.strip_prefix("Method: ") {
            method = Some(m.to_owned());
        } else if let Some(path) = line.strip_prefix("Path: ") {
            routes.insert((
                method.take().expect("Method comes before Path"),
                path.to_owned(),
            ));
        }
    }
    routes
}

fn documented_routes(document: &Value) -> BTreeSet<(String, String)> {
    document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, operations)| {
            operations
                .as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect()
}

fn collect_refs(value: &Value, refs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                if key == "$ref" {
                    refs.push(item.as_str().unwrap().to_owned());
                } else {
                    collect_refs(item, refs);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, refs)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_matches_the_deployed_routes() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK);
    let document = response.body;
    assert_eq!(document["openapi"], "3.1.0");

    assert_eq!(
        documented_routes(&document),
        deployed_routes(),
        "template.yaml and the document disagree"
    );

    let mut refs = Vec::new();
    collect_refs(&document, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let pointer = reference.strip_prefix('#').expect("local references only");
        assert!(
            document.pointer(pointer).is_some(),
            "{reference} does not resolve"
        );
    }
    assert!(
        document.pointer("/components/schemas/Error").is_some(),
        "the error format is documented"
    );
    let codes = document
        .pointer("/components/schemas/ErrorCode")
        .expect("error codes are documented");
    assert!(codes.to_string().contains("validation_failed"));
    let register = &document["paths"]["/api/auth/register"]["post"];
    assert!(register["requestBody"]["content"]["application/json"]["schema"]["$ref"].is_string());
    assert_eq!(register["security"], serde_json::json!([]));
    assert!(document["paths"]["/api/users/profile"]["get"]["responses"]["401"].is_object());
}

#[test]
fn the_committed_document_is_the_one_the_routes_declare() {
    // Given the routes as the code declares them, when the document is generated,
    // then it is exactly what api-health serves (run with UPDATE_OPENAPI=1 to rewrite it).
    let generated = api::openapi::document_text();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(api::openapi::COMMITTED_DOCUMENT_PATH, &generated)
            .expect("the committed document is writable");
        return;
    }
    assert!(
        generated == api::openapi::COMMITTED_DOCUMENT,
        "shared/api/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo xtask test -- openapi` and commit it"
    );
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let app = TestApp::spawn().await;
    let document = app.get("/api/openapi.json").await.body;
    for (method, path) in documented_routes(&document) {
        let concrete = path.replace("{id}", &uuid::Uuid::new_v4().to_string());
        let method: Method = method.parse().unwrap();
        let response = app.call(method.clone(), &concrete, None).await;
        let code = response.body["error"]["code"].as_str().unwrap_or_default();
        assert!(
            code != "route_not_found" && code != "method_not_allowed",
            "{method} {path} is documented but not served: {}",
            response.body
        );
    }
}

#[test]
fn every_declared_rate_limit_names_a_served_route() {
    let routes: Vec<(String, String)> = api::openapi::all_groups()
        .iter()
        .flat_map(|g| g.operations().iter())
        .map(|o| (o.method().to_string(), o.path().to_owned()))
        .collect();
    for limit in http_kit::rate_limit::ENDPOINT_LIMITS {
        assert!(
            routes.contains(&(limit.method.to_owned(), limit.path.to_owned())),
            "{} {} is limited but not served",
            limit.method,
            limit.path
        );
    }
}

/// Operations the contract run must not call with our own session: they end it or erase the
/// account the run signs in with.
const SESSION_ENDING: &[&str] = &[
    "post_api_auth_logout",
    "delete_api_users_sessions__id_",
    "delete_api_users_profile",
];

/// Schemathesis against the served document: examples, coverage, fuzzing and stateful phases,
/// bounded in time, over every operation, failing on any 5xx, any undocumented status and any
/// response that breaks its documented schema.
#[tokio::test]
async fn the_served_api_keeps_its_documented_contract_under_schemathesis() {
    let schemathesis = integration_tests::env("SCHEMATHESIS_BIN");
    // Given an organization with accounts and a post, and the API on a local port
    let app = TestApp::spawn().await;
    let admin = app.register_admin("Contract").await;
    app.grant_plan(&admin, "business").await;
    let x = app.connect_account(&admin, "x").await;
    app.api(Some(&admin.access_token))
        .create_post(
            serde_json::json!({ "content": "contract", "targets": [{ "social_account_id": x }] }),
        )
        .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let report_dir = std::env::temp_dir().join(format!("schemathesis-{port}"));
    let _ = std::fs::remove_dir_all(&report_dir);
    std::fs::create_dir_all(&report_dir).unwrap();
    let report = report_dir.join("run.json");
    // When Schemathesis exercises every operation
    let mut command = std::process::Command::new(&schemathesis);
    // Its cache goes beside the report, not into the source tree.
    command
        .current_dir(&report_dir)
        .arg("run")
        .arg(format!("http://127.0.0.1:{port}/api/openapi.json"))
        .args(["-H", &format!("Authorization: Bearer {}", admin.access_token)])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance",
        ])
        .args(["--max-examples", "60", "--max-time", "100", "--seed", "42"])
        .args(["--workers", "1", "--request-timeout", "10", "--no-color"])
        .args(["--report", "json", "--report-json-path"])
        .arg(&report);
    for operation in SESSION_ENDING {
        command.args(["--exclude-operation-id", operation]);
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("schemathesis runs (cargo xtask test installs it)");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let tail: String = stdout
        .lines()
        .rev()
        .take(120)
        .map(|line| line.chars().take(2000).collect::<String>())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    // Then nothing breaks the contract, over enough requests and every operation
    assert!(output.status.success(), "{tail}");
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("a JSON report")).unwrap();
    let generated = summary
        .pointer("/test_cases/generated")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    assert!(generated >= 1500, "only {generated} requests: {summary}");
    let count = |name: &str| {
        summary
            .pointer(&format!("/operations/{name}"))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    assert_eq!(count("tested"), count("selected"), "{summary}");
    assert_eq!(
        count("total") - count("selected"),
        SESSION_ENDING.len() as u64,
        "every operation but the session-ending ones"
    );
    println!(
        "schemathesis: {generated} requests over {} operations, no failure",
        count("tested")
    );
}
