//! `doorman-loadgen`: drives `POST /api/v1/events/ingest` from a separate process and reports
//! throughput and latency percentiles. Either for a fixed time (`--seconds`) or a fixed
//! number of events (`--events`, used to fill the database before a measurement).

mod idle_pages;

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use doorman_loadgen::traffic::{Mix, Traffic};

#[derive(Debug, Parser)]
#[command(name = "doorman-loadgen", about = "Load generator for Doorman's ingest API")]
struct Args {
    /// Base URL of the Doorman server.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// API keys, comma-separated: one per tenant.
    #[arg(long, value_delimiter = ',', required = true)]
    keys: Vec<String>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16)]
    concurrency: u32,
    /// Run for this many seconds…
    #[arg(long, conflicts_with = "events")]
    seconds: Option<u64>,
    /// …or send this many events.
    #[arg(long)]
    events: Option<u64>,
    /// Distinct devices in the population.
    #[arg(long, default_value_t = 50_000)]
    devices: u32,
    /// Share of events from automated browsers.
    #[arg(long, default_value_t = 0.1)]
    bots: f64,
    /// Share of devices that farm accounts.
    #[arg(long, default_value_t = 0.02)]
    farms: f64,
    /// Share of events that are logins of an earlier signup.
    #[arg(long, default_value_t = 0.4)]
    logins: f64,
    /// Seed of this run; runs with different seeds use different device ids.
    #[arg(long, default_value_t = 1)]
    run: u64,
    /// A name for this measurement, printed with the result.
    #[arg(long, default_value = "ingest")]
    label: String,
    /// Dashboard pages that follow the live feed during the run and read nothing, signed in
    /// as `--admin`.
    #[arg(long, default_value_t = 0)]
    idle_pages: u32,
    /// `email:password` of a dashboard account, for `--idle-pages`.
    #[arg(long)]
    admin: Option<String>,
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    errors: u64,
    decisions: [u64; 3],
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if args.seconds.is_none() && args.events.is_none() {
        eprintln!("error: give --seconds or --events");
        std::process::exit(2);
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency as usize)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client");
    let _idle = match (args.idle_pages, &args.admin) {
        (0, _) => Vec::new(),
        (n, Some(admin)) => match idle_pages::open(&client, &args.url, admin, n).await {
            Ok(pages) => pages,
            Err(err) => {
                eprintln!("error: idle pages: {err}");
                std::process::exit(2);
            }
        },
        (_, None) => {
            eprintln!("error: --idle-pages needs --admin email:password");
            std::process::exit(2);
        }
    };
    let url = format!("{}/api/v1/events/ingest", args.url.trim_end_matches('/'));
    let keys = Arc::new(args.keys.clone());
    let sent = Arc::new(AtomicU64::new(0));
    let deadline = args.seconds.map(|s| Instant::now() + Duration::from_secs(s));
    let start = Instant::now();

    let workers: Vec<_> = (0..args.concurrency)
        .map(|worker| {
            let (client, url, keys, sent) = (client.clone(), url.clone(), keys.clone(), sent.clone());
            let mix = Mix { bots: args.bots, farms: args.farms, logins: args.logins };
            let mut traffic = Traffic::new(worker, args.devices, args.run, mix);
            let limit = args.events;
            tokio::spawn(async move {
                let mut tally = Tally::default();
                loop {
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        break;
                    }
                    if limit.is_some_and(|n| sent.fetch_add(1, Relaxed) >= n) {
                        break;
                    }
                    let (tenant, event) = traffic.next(keys.len());
                    let body = serde_json::to_vec(&event).expect("event serialises");
                    let began = Instant::now();
                    let response = client
                        .post(&url)
                        .header("x-api-key", &keys[tenant])
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await;
                    let text = match response {
                        Ok(r) if r.status().is_success() => r.text().await.ok(),
                        Ok(r) => {
                            if tally.errors == 0 {
                                eprintln!(
                                    "first error: {} {}",
                                    r.status(),
                                    r.text().await.unwrap_or_default()
                                );
                            }
                            None
                        }
                        Err(err) => {
                            if tally.errors == 0 {
                                eprintln!("first error: {err}");
                            }
                            None
                        }
                    };
                    tally.latencies_us.push(began.elapsed().as_micros().min(u32::MAX as u128) as u32);
                    match text {
                        Some(text) => {
                            let i = [
                                "\"decision\":\"ALLOW\"",
                                "\"decision\":\"CHALLENGE\"",
                                "\"decision\":\"BLOCK\"",
                            ]
                            .iter()
                            .position(|d| text.contains(d));
                            if let Some(i) = i {
                                tally.decisions[i] += 1;
                            }
                        }
                        None => tally.errors += 1,
                    }
                }
                tally
            })
        })
        .collect();

    let mut all = Tally::default();
    for worker in workers {
        let tally = worker.await.expect("worker");
        all.latencies_us.extend(tally.latencies_us);
        all.errors += tally.errors;
        for i in 0..3 {
            all.decisions[i] += tally.decisions[i];
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    report(&args.label, &mut all, elapsed);
    if all.errors > 0 {
        std::process::exit(1);
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank] as f64 / 1000.0
}

fn report(label: &str, tally: &mut Tally, seconds: f64) {
    tally.latencies_us.sort_unstable();
    let n = tally.latencies_us.len();
    let [allow, challenge, block] = tally.decisions;
    println!(
        "{label}: {n} events in {seconds:.1} s = {:.0} events/s; latency ms p50 {:.2} p90 {:.2} p99 {:.2} max {:.2}; \
         ALLOW {allow} CHALLENGE {challenge} BLOCK {block}; errors {}",
        n as f64 / seconds,
        percentile(&tally.latencies_us, 50.0),
        percentile(&tally.latencies_us, 90.0),
        percentile(&tally.latencies_us, 99.0),
        percentile(&tally.latencies_us, 100.0),
        tally.errors,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_sorted_latencies() {
        let sorted: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(percentile(&sorted, 50.0), 51.0);
        assert_eq!(percentile(&sorted, 99.0), 99.0);
        assert_eq!(percentile(&sorted, 100.0), 100.0);
        assert_eq!(percentile(&[], 99.0), 0.0);
    }

    #[test]
    fn traffic_has_the_configured_mix_and_valid_events() {
        let mut traffic = Traffic::new(0, 1000, 7, Mix { bots: 0.1, farms: 0.05, logins: 0.4 });
        let events: Vec<_> = (0..2000).map(|_| traffic.next(3)).collect();
        assert!(events.iter().all(|(_, e)| e.validate().is_ok()));
        let bots = events.iter().filter(|(_, e)| e.device.as_ref().unwrap().automation.is_some()).count();
        assert!((120..280).contains(&bots), "{bots} bots");
        let logins =
            events.iter().filter(|(_, e)| e.event_type == doorman_engine::input::EventType::Login).count();
        assert!((500..900).contains(&logins), "{logins} logins");
        assert!(events.iter().all(|(tenant, _)| *tenant < 3));
    }
}
