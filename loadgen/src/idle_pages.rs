//! Dashboard pages that follow the live feed (`/live`) and never read from it, as a browser
//! tab left in the background would: ingest must not slow down for them.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Signs in as `admin` (`email:password`) and opens `count` live streams that are never read;
/// gives them back to be held open. Waits until the server counts them.
pub async fn open(
    client: &reqwest::Client,
    base: &str,
    admin: &str,
    count: u32,
) -> Result<Vec<TcpStream>, String> {
    let base = base.trim_end_matches('/');
    let (email, password) = admin.split_once(':').ok_or("--admin is email:password")?;
    let signed_in = client
        .post(format!("{base}/rpc/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("doorman_session=") && !v.starts_with("doorman_session=;"))
        .and_then(|v| v.split(';').next())
        .ok_or("sign-in gave no session")?
        .to_string();
    let authority = base.split("://").nth(1).ok_or("--url needs a scheme")?;
    let mut pages = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let mut stream = TcpStream::connect(authority).await.map_err(|e| e.to_string())?;
        let request = format!("GET /live HTTP/1.1\r\nHost: {authority}\r\nCookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n");
        stream.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
        pages.push(stream);
    }
    for _ in 0..50 {
        if following(client, base).await >= u64::from(count) {
            return Ok(pages);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("the server does not count {count} live pages"))
}

/// How many pages the server says follow the live feed.
async fn following(client: &reqwest::Client, base: &str) -> u64 {
    let Ok(response) = client.get(format!("{base}/metrics")).send().await else { return 0 };
    let text = response.text().await.unwrap_or_default();
    text.lines()
        .find_map(|line| line.strip_prefix("doorman_live_subscribers "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}
