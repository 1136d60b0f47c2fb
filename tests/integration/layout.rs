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
        let entry = entry.unwrap();
        // events/contracts/ holds the typed messages' fixtures, not functions' events.
        if entry.path().is_dir() {
            continue;
        }
        let name = entry.file_name().into_string().unwrap();
        let function = name.trim_end_matches(".json");
        assert!(
            functions.iter().any(|f| f == function),
            "events/{name} names no function"
        );
    }
}

/// The logical id of the template resource whose `QueueName` ends with `-{queue}`.
fn queue_resource<'a>(template: &'a str, queue: &str) -> &'a str {
    let marker = format!("QueueName: !Sub \"${{AWS::StackName}}-{queue}\"");
    let at = template
        .find(&marker)
        .unwrap_or_else(|| panic!("template.yaml has no queue {queue}"));
    let before = &template[..at];
    let line = before
        .lines()
        .rev()
        .find(|l| l.starts_with("  ") && !l.starts_with("   ") && l.trim_end().ends_with(':'))
        .unwrap();
    line.trim().trim_end_matches(':')
}

#[test]
fn every_publishing_lane_is_deployed_with_its_concurrency_cap() {
    let template = std::fs::read_to_string(root().join("template.yaml")).unwrap();
    for lane in cloud::PUBLISH_LANES {
        let resource = queue_resource(&template, lane.queue);
        let source = format!("Queue: !GetAtt {resource}.Arn");
        let at = template
            .find(&source)
            .unwrap_or_else(|| panic!("the publisher has no event source on {}", lane.queue));
        let cap = template[at..]
            .lines()
            .find_map(|l| l.trim().strip_prefix("MaximumConcurrency:"))
            .map(|v| v.trim().parse::<u32>().unwrap());
        assert_eq!(cap, Some(lane.max_concurrency), "{}", lane.queue);
        let spec = cloud::QUEUES.iter().find(|q| q.name == lane.queue).unwrap();
        let arn_env = format!("{}: !GetAtt {resource}.Arn", spec.arn_env.unwrap());
        assert!(template.contains(&arn_env), "template.yaml lacks {arn_env}");
    }
}

#[test]
fn every_running_agent_is_deployed_on_its_queue_with_its_concurrency_cap() {
    let template = std::fs::read_to_string(root().join("template.yaml")).unwrap();
    for agent in agents::worker::CONSUMED {
        let queue = cloud::QueueSpec::for_agent(agent);
        let resource = queue_resource(&template, queue.name);
        let source = format!("Queue: !GetAtt {resource}.Arn");
        let at = template
            .find(&source)
            .unwrap_or_else(|| panic!("no function consumes {}", queue.name));
        let cap = template[at..]
            .lines()
            .find_map(|l| l.trim().strip_prefix("MaximumConcurrency:"))
            .map(|v| v.trim().parse::<usize>().unwrap());
        assert_eq!(
            cap,
            Some(agents::worker::concurrency(agent)),
            "{}",
            queue.name
        );
        assert!(template.contains(&format!("{}: !Ref {resource}", queue.url_env)));
    }
}

#[test]
fn the_publisher_sample_event_is_a_lane_batch_carrying_a_publish_request() {
    let text = std::fs::read_to_string(root().join("events/publisher.json")).unwrap();
    let event: aws_lambda_events::sqs::SqsEvent = serde_json::from_str(&text).unwrap();
    assert_eq!(event.records.len(), 1);
    for record in event.records {
        let body = record.body.unwrap();
        serde_json::from_str::<posting::PublishRequest>(&body).unwrap();
    }
}

/// Store functions on tenant tables that deliberately take no organization: the publisher,
/// the sweeper and maintenance act for every organization, on rows they found themselves.
const SYSTEM_WIDE: &[(&str, &str)] = &[
    ("posts.rs", "claim"),
    ("posts.rs", "mark_dispatched"),
    ("posts.rs", "settle"),
    ("posts.rs", "refresh_post_status"),
    ("posts.rs", "release_undispatched"),
    ("posts.rs", "queue_due_targets"),
    ("posts.rs", "expire_stale_claims"),
    // The sweeper's lag figure (a number across all organizations, no rows).
    ("posts.rs", "publishing_lag_secs"),
    ("media.rs", "take_abandoned_uploads"),
    ("social_accounts.rs", "expiring"),
    // The metrics sync, on accounts it leased; the report builder, on the report it claimed;
    // retention, for every organization by its own setting.
    ("analytics/sync.rs", "lease_accounts"),
    ("analytics/sync.rs", "finish_account"),
    ("analytics/sync.rs", "track_new_targets"),
    ("analytics/sync.rs", "due_targets"),
    ("analytics/sync.rs", "postpone_target"),
    ("analytics/reports.rs", "claim"),
    ("analytics/reports.rs", "advance"),
    ("analytics/reports.rs", "complete"),
    ("analytics/reports.rs", "fail"),
    ("analytics/competitors.rs", "due"),
    ("analytics/mod.rs", "delete_expired"),
    // Agent workers hold only the task id of their message; the task row carries the
    // organization everything after it is scoped by. GDPR works per member; retention on all.
    ("agents/mod.rs", "count_outcome"),
    ("agents/tasks.rs", "find"),
    ("agents/tasks.rs", "claim"),
    ("agents/tasks.rs", "finish"),
    ("agents/tasks.rs", "fail_pending"),
    ("agents/tasks.rs", "release"),
    ("agents/workflows.rs", "find"),
    ("agents/workflows.rs", "advance"),
    ("agents/workflows.rs", "fail"),
    ("agents/memory.rs", "created_by"),
    ("agents/memory.rs", "erase_created_by"),
    ("agents/memory.rs", "delete_expired"),
    // The recall query carries its organization inside, as the New* rows do.
    ("agents/memory.rs", "recall"),
    // Platform webhooks name a platform identity, not a tenant: the organizations come from
    // the accounts found (and Meta's data deletion covers the identity everywhere).
    ("social_accounts.rs", "by_identity"),
    ("social_accounts.rs", "delete_identity"),
    ("social_accounts.rs", "record_deletion"),
    ("social_accounts.rs", "deletion_status"),
    // Stripe names its customer; the grace period ends for every organization it ran out for.
    ("billing.rs", "organization_of_customer"),
    ("billing.rs", "end_expired_grace"),
];

/// The public async functions of a store module, with their parameter lists.
fn store_functions(file: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join("shared/store/src").join(file)).unwrap();
    text.split("pub async fn ")
        .skip(1)
        .map(|rest| {
            let name = rest.split('(').next().unwrap().trim().to_owned();
            let params = rest.split_once(") ->").map_or("", |(p, _)| p).to_owned();
            (name, params)
        })
        .collect()
}

#[test]
fn every_store_function_on_tenant_data_is_scoped_by_organization() {
    let mut unscoped = Vec::new();
    for file in [
        "posts.rs",
        "media.rs",
        "social_accounts.rs",
        "billing.rs",
        "analytics/mod.rs",
        "analytics/sync.rs",
        "analytics/dashboards.rs",
        "analytics/reports.rs",
        "analytics/competitors.rs",
        "agents/mod.rs",
        "agents/tasks.rs",
        "agents/memory.rs",
        "agents/workflows.rs",
    ] {
        let functions = store_functions(file);
        assert!(!functions.is_empty(), "{file}");
        for (name, params) in functions {
            // The organization comes as a typed parameter (an `OrgId`, never a bare UUID), or
            // inside the new row (NewPost, NewAsset…).
            let scoped = params.contains("organization_id: OrgId") || params.contains(": &New");
            if !scoped && !SYSTEM_WIDE.contains(&(file, name.as_str())) {
                unscoped.push(format!("{file}: {name}"));
            }
        }
    }
    assert!(
        unscoped.is_empty(),
        "tenant data read or written without the organization: {unscoped:?}"
    );
}

/// The workspace's own crates, by name: their directory.
fn workspace_crates() -> std::collections::BTreeMap<String, std::path::PathBuf> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    manifest
        .lines()
        .filter_map(|line| {
            let (name, rest) = line.split_once('=')?;
            let path = rest.split("path = \"").nth(1)?.split('"').next()?;
            Some((name.trim().to_owned(), root().join(path)))
        })
        .collect()
}

/// The names in a crate's `[dependencies]` (not dev-dependencies).
fn dependencies_of(dir: &Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let mut in_dependencies = false;
    let mut names = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
        } else if in_dependencies && let Some((name, _)) = line.split_once(['.', '=']) {
            names.push(name.trim().to_owned());
        }
    }
    names
}

/// Every workspace crate `start` reaches through `[dependencies]`, with the crate it came
/// through; fails on the first of `forbidden` it reaches.
fn reachable_crates(start: &Path, forbidden: &[&str]) -> std::collections::BTreeSet<String> {
    let crates = workspace_crates();
    let mut seen = std::collections::BTreeSet::new();
    let mut queue = vec![start.to_path_buf()];
    while let Some(dir) = queue.pop() {
        for dependency in dependencies_of(&dir) {
            assert!(
                !forbidden.contains(&dependency.as_str()),
                "{} reaches {dependency} (through {})",
                start.display(),
                dir.display()
            );
            if let Some(path) = crates.get(&dependency)
                && seen.insert(dependency.clone())
            {
                queue.push(path.clone());
            }
        }
    }
    seen
}

const HTTP_LAYER: &[&str] = &["axum", "api", "http-kit", "lambda_http"];

#[test]
fn no_worker_links_the_http_layer() {
    for worker in [
        "publisher",
        "publish-sweeper",
        "maintenance",
        "db-migrate",
        "agent-content-creator",
        "agent-engagement-optimizer",
        "agent-competitor-monitor",
        "agent-orchestrator",
    ] {
        let seen = reachable_crates(&root().join("functions").join(worker), HTTP_LAYER);
        assert!(seen.contains("runtime"), "{worker}: {seen:?}");
    }
}

#[test]
fn services_know_no_http_and_the_http_kit_knows_no_service() {
    // Given the service crates, when their dependencies are walked, then none reaches the
    // HTTP layer; and the HTTP kit reaches no service and no handler.
    for service in [
        "accounts",
        "posting",
        "social",
        "upkeep",
        "media",
        "platforms",
        "contracts",
        "agents",
        "llm",
    ] {
        reachable_crates(&root().join("shared").join(service), HTTP_LAYER);
    }
    reachable_crates(
        &root().join("shared/http-kit"),
        &["api", "accounts", "posting", "social", "upkeep", "media"],
    );
}

/// `crate::x` mentions of each top-level module of a crate: module → the modules it uses.
fn module_graph(
    src: &Path,
) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut all = Vec::new();
    files(src, &mut all);
    let module_of = |path: &Path| -> Option<String> {
        let relative = path.strip_prefix(src).ok()?;
        let first = relative.components().next()?.as_os_str().to_str()?;
        let name = first.trim_end_matches(".rs");
        (name != "lib" && name != "main").then(|| name.to_owned())
    };
    let modules: std::collections::BTreeSet<String> =
        all.iter().filter_map(|p| module_of(p)).collect();
    let mut graph = std::collections::BTreeMap::new();
    for path in &all {
        let Some(module) = module_of(path) else {
            continue;
        };
        let text = std::fs::read_to_string(path).unwrap();
        let uses: &mut std::collections::BTreeSet<String> =
            graph.entry(module.clone()).or_default();
        for mention in text.split("crate::").skip(1) {
            let name: String = mention
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name != module && modules.contains(&name) {
                uses.insert(name);
            }
        }
    }
    graph
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    for entry in std::fs::read_dir(root().join("shared")).unwrap() {
        let src = entry.unwrap().path().join("src");
        if !src.is_dir() {
            continue;
        }
        let graph = module_graph(&src);
        // A depth-first search for a path back to where it started.
        for start in graph.keys() {
            let mut stack = vec![(start.clone(), vec![start.clone()])];
            while let Some((module, path)) = stack.pop() {
                for next in graph.get(&module).into_iter().flatten() {
                    assert!(
                        next != start,
                        "import cycle in {}: {} -> {next}",
                        src.display(),
                        path.join(" -> ")
                    );
                    if !path.contains(next) {
                        let mut longer = path.clone();
                        longer.push(next.clone());
                        stack.push((next.clone(), longer));
                    }
                }
            }
        }
    }
}
