//! The built web app (`web/dist`), served by the dev server on the API's own origin, as
//! CloudFront serves it in AWS: files by path, and `index.html` for the app's routes.

use std::path::{Component, Path, PathBuf};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Where the built app is: `WEB_DIST_DIR`, else `web/dist` of this checkout.
pub fn dist_dir() -> PathBuf {
    std::env::var_os("WEB_DIST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/dist"))
}

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The file a request path names inside `root`, refusing anything that climbs out of it.
fn file_for(root: &Path, request_path: &str) -> Option<PathBuf> {
    let relative = Path::new(request_path.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let candidate = root.join(relative);
    candidate.is_file().then_some(candidate)
}

/// The fallback of the dev server: API paths stay 404 in the error format; everything else is
/// a file of the app, or the app itself (its router decides).
pub async fn serve(root: PathBuf, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/api/") || !matches!(*request.method(), Method::GET | Method::HEAD) {
        return http_kit::ApiError::new(http_kit::ErrorCode::RouteNotFound, "no such route")
            .into_response();
    }
    let index = root.join("index.html");
    let (file, immutable) = match file_for(&root, &path) {
        Some(file) => {
            // Vite's hashed assets never change under the same name.
            let immutable = path.starts_with("/assets/");
            (file, immutable)
        }
        None if index.is_file() => (index, false),
        None => {
            return (
                StatusCode::NOT_FOUND,
                "the web app is not built: run `npm ci && npm run build` in web/ (cargo xtask dev does)",
            )
                .into_response();
        }
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let mut response = Response::new(Body::from(bytes));
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(&file)),
            );
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(if immutable {
                    "public, max-age=31536000, immutable"
                } else {
                    "no-cache"
                }),
            );
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            // What the page's own CSP meta tag cannot say (as CloudFront's headers do in AWS).
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("frame-ancestors 'none'"),
            );
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            response
        }
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_climb_out_of_the_app() {
        let root = std::env::temp_dir().join(format!("web-app-{}", std::process::id()));
        std::fs::create_dir_all(root.join("assets")).unwrap();
        std::fs::write(root.join("assets/app.js"), "x").unwrap();
        assert!(file_for(&root, "/assets/app.js").is_some());
        assert!(file_for(&root, "/../etc/passwd").is_none());
        assert!(file_for(&root, "/assets/../../etc/passwd").is_none());
        assert!(file_for(&root, "/calendar").is_none());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
